"""Scenario results: one JSON line per run of a scenario, and the Markdown table of them.

Tests append to ``$CITYWATCH_FAULT_RESULTS`` (default ``build/fault-results.jsonl``);
``python -m tests.fault.results RESULTS.jsonl docs/reliability.md`` writes the table.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS_ENV = "CITYWATCH_FAULT_RESULTS"
FINDINGS = Path(__file__).with_name("findings.md")


@dataclass
class ScenarioResult:
    """One scenario's outcome as the results table shows it."""

    scenario: int
    fault: str
    injection: str
    held: bool = False
    events: int = 0
    lost: int = 0
    duplicated: int = 0
    recovery_s: float | None = None
    notes: str = ""
    outcome: str = "not finished"
    at: str = ""


def results_path() -> Path:
    return Path(os.environ.get(RESULTS_ENV) or ROOT / "build" / "fault-results.jsonl")


def append(result: ScenarioResult) -> None:
    """Append one result line (creating the file and its directory)."""
    result.at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    path = results_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(asdict(result), ensure_ascii=False) + "\n")


def load(path: Path) -> list[ScenarioResult]:
    """The last result of each scenario in ``path``, by scenario number."""
    latest: dict[int, ScenarioResult] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = ScenarioResult(**json.loads(line))
            latest[r.scenario] = r
    return [latest[k] for k in sorted(latest)]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(results: list[ScenarioResult], environment: str = "", findings: str = "") -> str:
    """The Markdown page: the table, the notes of each scenario, the findings."""
    lines = [
        "# Reliability: measured results of the fault-injection suite",
        "",
        "Each row is the last run of a scenario of `RELIABILITY.md` (`tests/fault/`). "
        "*Invariants held* means I1 (no loss), I2 (no duplicates), I3 (useful dead letters) and "
        "I4 (lag zero and counts settled within 60 s of the fault ending) all held, plus the "
        "scenario's own condition. *Recovery* is the time from the end of the fault until the "
        "consumer group's lag was zero and the document counts had settled.",
        "",
        "| # | fault | injection | invariants held | events | lost | duplicated | recovery s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        held = "yes" if r.held else f"**no** ({r.outcome})"
        rec = "n/a" if r.recovery_s is None else f"{r.recovery_s:.1f}"
        row = [str(r.scenario), r.fault, r.injection, held, str(r.events), str(r.lost)]
        lines.append("| " + " | ".join(_cell(c) for c in [*row, str(r.duplicated), rec]) + " |")
    lines += ["", "## Notes", ""]
    lines += [f"{r.scenario}. {_cell(r.notes)}" for r in results if r.notes]
    if findings:
        lines += ["", findings.strip()]
    if environment:
        lines += ["", "## Environment", "", environment]
    return "\n".join(lines) + "\n"


def environment_text() -> str:
    """Where the numbers were measured."""
    return (
        f"Measured on {platform.node() or 'one machine'} ({os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.release()}), Python {sys.version.split()[0]}, "
        "Kafka 4.1.1 (KRaft, one node) and Elasticsearch 9.5.4 (integ-test distribution, "
        "one node), every process on 127.0.0.1."
    )


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m tests.fault.results RESULTS.jsonl OUTPUT.md", file=sys.stderr)
        return 2
    source, target = Path(argv[0]), Path(argv[1])
    target.parent.mkdir(parents=True, exist_ok=True)
    findings = FINDINGS.read_text(encoding="utf-8") if FINDINGS.exists() else ""
    target.write_text(render(load(source), environment_text(), findings), encoding="utf-8")
    print(f"wrote {target} ({len(load(source))} scenarios)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
