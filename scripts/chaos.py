"""Run the fault-injection suite one scenario at a time and write ``docs/reliability.md``.

    .venv/bin/python scripts/chaos.py            # scenarios 1-15 (slow: about 20 minutes)
    .venv/bin/python scripts/chaos.py --fast     # the CI subset only
    .venv/bin/python scripts/chaos.py -- -k 04   # more pytest arguments after --

The shared services must be up (``citywatch services up``); scenarios that kill, stop or
freeze Kafka or Elasticsearch start instances of their own on free ports. Results go to
``build/chaos-results.jsonl`` (fresh each run) and the table to ``docs/reliability.md``.
The exit status is pytest's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "build" / "chaos-results.jsonl"
PAGE = ROOT / "docs" / "reliability.md"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="Run only the CI subset.")
    parser.add_argument("--output", type=Path, default=PAGE, help="The Markdown page to write.")
    parser.add_argument("pytest_args", nargs="*", help="More pytest arguments (after --).")
    args = parser.parse_args(argv)

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.unlink(missing_ok=True)
    env = dict(os.environ, CITYWATCH_FAULT_RESULTS=str(RESULTS))
    marker = "fault_fast" if args.fast else "fault"
    command = [sys.executable, "-m", "pytest", "tests/fault", "-m", marker, "-p", "no:randomly"]
    command += ["-o", "timeout=1200", "-rA", *args.pytest_args]
    print("$", " ".join(command), flush=True)
    status = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
    if RESULTS.exists():
        subprocess.run(
            [sys.executable, "-m", "tests.fault.results", str(RESULTS), str(args.output)],
            cwd=ROOT,
            check=True,
        )
    else:
        print("no scenario recorded a result; the table was not written", file=sys.stderr)
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
