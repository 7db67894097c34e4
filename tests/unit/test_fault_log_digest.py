"""The worker-log digest the fault suite adds to a failed scenario's output."""

from __future__ import annotations

from tests.fault.deployment import log_digest


def test_digest_counts_warnings_and_ends_before_the_stop(tmp_path):
    lines = [
        "[2026-11-29 19:25:13,776] [14941] [INFO] [^---Recovery]: Worker ready ",
        "[2026-11-29 19:25:21,304] [14941] [WARNING] tp 2: offsets from 61 were never handled",
        "[2026-11-29 19:25:22,304] [14941] [WARNING] tp 2: offsets from 61 were never handled",
        "[2026-11-29 19:25:23,000] [14941] [ERROR] Drain messages raised: boom",
        "Traceback (most recent call last):",
        "[2026-11-29 19:25:29,785] [14941] [INFO] bulk docs=950 indexed=950",
        "[2026-11-29 19:28:17,132] [14941] [INFO] [^Worker]: Signal received: 15 (15) ",
        "[2026-11-29 19:28:17,133] [14941] [INFO] [^Worker]: Stopping... ",
    ]
    (tmp_path / "first-1.log").write_text("\n".join(lines) + "\n")
    digest = log_digest(tmp_path, tail=2)
    assert "== first-1.log: 8 lines, 4 warnings/errors" in digest
    assert "2026-11-29 19:25:21,304 x2 [WARNING] tp 2: offsets from 61" in digest
    assert "2026-11-29 19:25:23,000 x1 [ERROR] Drain messages raised: boom" in digest
    assert "  - x1 Traceback (most recent call last):" in digest
    last = digest.split("-- last 2 lines before the stop\n")[1].splitlines()
    assert last == [lines[4], lines[5]]


def test_digest_of_an_empty_directory_says_so(tmp_path):
    assert log_digest(tmp_path) == f"no worker logs in {tmp_path}"
