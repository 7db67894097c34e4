"""Accuracy of the rulebook classifier on the labelled incident descriptions.

Runs :func:`pipeline.classify.classify_report` on every line of
``tests/data/classify_labelled.jsonl`` and prints, as Markdown, the accuracy of type,
category and level (all lines, and the ``dev`` and ``holdout`` splits separately), the
confusion matrix of categories, and the list of type and level mistakes::

    .venv/bin/python scripts/classify_accuracy.py [FILE] [--rulebook PATH] [--split NAME]

Each line is an incident report plus its label: ``expected`` (``category``, ``type``,
``level``) and ``split`` (``dev`` for the lines the rulebook may be tuned on, ``holdout`` for
the lines kept aside to measure it). Labels follow the rules of ``DOMAIN.md``: the primary
event of a report that names several hazards is the one that did the harm and that the
response is about (not the weather that caused it, nor its knock-on effects); a report of
no incident at all is ``unclassified`` (category ``null``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.classify import classify_report, load_rulebook  # noqa: E402
from pipeline.classify.rulebook_model import Rulebook  # noqa: E402

DEFAULT_FILE = ROOT / "tests" / "data" / "classify_labelled.jsonl"
LABEL_KEYS = ("expected", "split")
"""Keys of a labelled line that are not part of the incident report."""
CATEGORIES = ("natural_disaster", "accident", "public_health", "social_safety", None)
SPLITS = ("dev", "holdout")


@dataclass(frozen=True)
class Labelled:
    """One labelled line: the report, what it should classify as, and its split."""

    line: int
    report: dict[str, Any]
    category: str | None
    type: str
    level: int
    split: str

    @property
    def language(self) -> str:
        """``zh`` when the description contains a CJK ideograph, else ``en``."""
        text = self.report.get("description", "")
        return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"


@dataclass(frozen=True)
class Outcome:
    """The classifier's answer for one labelled line."""

    item: Labelled
    category: str | None
    type: str
    level: int
    confidence: float
    matched_terms: list[str]

    @property
    def type_ok(self) -> bool:
        return self.type == self.item.type

    @property
    def category_ok(self) -> bool:
        return self.category == self.item.category

    @property
    def level_ok(self) -> bool:
        return self.level == self.item.level


@dataclass
class Scores:
    """Accuracy figures of a set of outcomes."""

    total: int = 0
    type_ok: int = 0
    category_ok: int = 0
    level_ok: int = 0
    confusion: Counter[tuple[str | None, str | None]] = field(default_factory=Counter)

    @property
    def type_accuracy(self) -> float:
        return self.type_ok / self.total if self.total else 0.0

    @property
    def category_accuracy(self) -> float:
        return self.category_ok / self.total if self.total else 0.0

    @property
    def level_accuracy(self) -> float:
        return self.level_ok / self.total if self.total else 0.0


def load_labelled(path: Path | str = DEFAULT_FILE) -> list[Labelled]:
    """The labelled lines of ``path`` (blank lines skipped)."""
    items: list[Labelled] = []
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            data = json.loads(raw)
            expected = data["expected"]
            report = {k: v for k, v in data.items() if k not in LABEL_KEYS}
            items.append(
                Labelled(
                    line=number,
                    report=report,
                    category=expected["category"],
                    type=expected["type"],
                    level=int(expected["level"]),
                    split=data.get("split", "dev"),
                )
            )
    return items


def evaluate(items: Iterable[Labelled], rulebook: Rulebook | None = None) -> list[Outcome]:
    """Classify every labelled report."""
    rulebook = rulebook or load_rulebook()
    outcomes: list[Outcome] = []
    for item in items:
        c = classify_report(item.report, rulebook)
        outcomes.append(
            Outcome(item, c.category, c.type, c.level, c.confidence, list(c.matched_terms))
        )
    return outcomes


def score(outcomes: Iterable[Outcome]) -> Scores:
    """Counts of right answers and the category confusion matrix."""
    scores = Scores()
    for o in outcomes:
        scores.total += 1
        scores.type_ok += o.type_ok
        scores.category_ok += o.category_ok
        scores.level_ok += o.level_ok
        scores.confusion[(o.item.category, o.category)] += 1
    return scores


def _name(category: str | None) -> str:
    return "unclassified" if category is None else category


def _pct(ok: int, total: int) -> str:
    return f"{ok}/{total} ({ok / total:.1%})" if total else "0/0"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(outcomes: Sequence[Outcome], source: str) -> str:
    """The Markdown report."""
    lines = [f"# Classifier accuracy on `{source}`", ""]
    lines += ["| Set | Reports | Type | Category | Level |", "|---|---|---|---|---|"]
    groups: list[tuple[str, list[Outcome]]] = [("all", list(outcomes))]
    groups += [(s, [o for o in outcomes if o.item.split == s]) for s in SPLITS]
    groups += [
        (f"all, {lang}", [o for o in outcomes if o.item.language == lang]) for lang in ("zh", "en")
    ]
    for name, group in groups:
        if not group:
            continue
        s = score(group)
        lines.append(
            f"| {name} | {s.total} | {_pct(s.type_ok, s.total)} | "
            f"{_pct(s.category_ok, s.total)} | {_pct(s.level_ok, s.total)} |"
        )

    confusion = score(outcomes).confusion
    lines += ["", "## Category confusion matrix (rows: expected, columns: classified)", ""]
    lines.append("| expected \\ classified | " + " | ".join(_name(c) for c in CATEGORIES) + " |")
    lines.append("|---" * (len(CATEGORIES) + 1) + "|")
    for row in CATEGORIES:
        cells = [str(confusion.get((row, col), 0)) for col in CATEGORIES]
        lines.append(f"| {_name(row)} | " + " | ".join(cells) + " |")

    def mistakes(title: str, wrong: list[Outcome], what: str) -> None:
        lines.extend(["", f"## {title} ({len(wrong)})", ""])
        if not wrong:
            lines.append("None.")
            return
        lines.extend(
            [
                "| Line | Split | Expected | Classified | Matched terms | Description |",
                "|---|---|---|---|---|---|",
            ]
        )
        for o in wrong:
            expected, got = (
                (o.item.type, o.type) if what == "type" else (str(o.item.level), str(o.level))
            )
            terms = ", ".join(o.matched_terms) or "-"
            lines.append(
                f"| {o.item.line} | {o.item.split} | {expected} | {got} | {_cell(terms)} | "
                f"{_cell(o.item.report.get('description', ''))} |"
            )

    mistakes("Type mistakes", [o for o in outcomes if not o.type_ok], "type")
    mistakes(
        "Level mistakes (type right)",
        [o for o in outcomes if o.type_ok and not o.level_ok],
        "level",
    )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE), help="labelled JSONL")
    parser.add_argument("--rulebook", help="rulebook YAML (default: the shipped one)")
    parser.add_argument("--split", choices=SPLITS, help="only the lines of this split")
    args = parser.parse_args(argv)
    items = load_labelled(args.file)
    if args.split:
        items = [i for i in items if i.split == args.split]
    rulebook = load_rulebook(Path(args.rulebook)) if args.rulebook else load_rulebook()
    try:
        source = str(Path(args.file).resolve().relative_to(ROOT))
    except ValueError:
        source = args.file
    sys.stdout.write(render(evaluate(items, rulebook), source))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
