"""Loading and validating the classification rulebook.

``load_rulebook()`` reads ``pipeline/rules/rulebook.yaml`` once and keeps it; a path reads
that file instead (rule authors testing a draft). Every problem raises :class:`RulebookError`
naming the file, the line and the reason: YAML syntax, duplicate keys, a field of the wrong
shape (via the pydantic models), an unknown level rule, duplicate rule ids, or a ladder whose
thresholds do not fall from Ⅰ to Ⅳ.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pipeline.classify.rulebook_model import CATEGORIES, METRICS, Rulebook
from pipeline.errors import ConfigError

Marks = dict[tuple[str, ...], int]


class RulebookError(ConfigError):
    """The rulebook is invalid; ``file``, ``line`` (1-based, or None) and ``reason`` say why."""

    def __init__(self, file: str, line: int | None, reason: str) -> None:
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {reason}")
        self.file = file
        self.line = line
        self.reason = reason


def default_rulebook_path() -> Path:
    """The rulebook shipped with citywatch."""
    return Path(str(resources.files("pipeline") / "rules" / "rulebook.yaml"))


def _walk(node: yaml.Node, path: tuple[str, ...], marks: Marks, file: str) -> None:
    """Record the line of every node by its path; reject duplicate mapping keys."""
    marks[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise RulebookError(
                    file, line, f"duplicate key {key!r} (first on line {seen[key]})"
                )
            seen[key] = line
            _walk(value_node, (*path, key), marks, file)
            marks[(*path, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, str(index)), marks, file)


def line_for(marks: Marks, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest recorded node on ``loc``."""
    path = tuple(str(part) for part in loc if part != "[key]")
    while path:
        if path in marks:
            return marks[path]
        path = path[:-1]
    return marks.get(())


def _parse(text: str, file: str) -> tuple[Any, Marks]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise RulebookError(file, 1, "the rulebook is empty")
        marks: Marks = {}
        _walk(node, (), marks, file)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = " ".join(filter(None, [exc.context, exc.problem])) or str(exc)
        raise RulebookError(file, line, f"YAML syntax: {reason}") from exc
    except yaml.YAMLError as exc:
        raise RulebookError(file, None, f"YAML: {exc}") from exc
    finally:
        loader.dispose()
    return data, marks


def _format_loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if part != "[key]") or "(top level)"


def _single_metric_steps(rulebook: Rulebook) -> Iterator[tuple[tuple[str, ...], str]]:
    """Problems in ladders: a single-metric minimum must fall strictly from Ⅰ to Ⅳ."""
    for r_index, rule in enumerate(rulebook.level_rules):
        last: dict[str, tuple[int, float]] = {}
        for g_index, grade in enumerate(rule.grades):
            for a_index, alternative in enumerate(grade.any):
                if len(alternative) != 1:
                    continue
                ((metric, minimum),) = alternative.items()
                if metric in last and minimum >= last[metric][1]:
                    above_level, above_min = last[metric]
                    path = ("level_rules", str(r_index), "grades", str(g_index))
                    path += ("any", str(a_index), metric)
                    reason = (
                        f"{rule.id}: level {grade.level} needs {metric}>={minimum:,.0f}, "
                        f"not below level {above_level}'s {metric}>={above_min:,.0f}; "
                        "thresholds must fall from Ⅰ to Ⅳ"
                    )
                    yield path, reason
                last[metric] = (grade.level, minimum)


def _cross_check(rulebook: Rulebook, marks: Marks, file: str) -> None:
    def fail(path: tuple[str, ...], reason: str) -> None:
        raise RulebookError(file, line_for(marks, path), reason)

    seen: dict[str, tuple[str, ...]] = {}
    ids = [(("level_rules", str(i), "id"), rule.id) for i, rule in enumerate(rulebook.level_rules)]
    ids += [(("types", key, "id"), rule.id) for key, rule in rulebook.types.items()]
    ids.append((("unclassified", "id"), rulebook.unclassified.id))
    for path, rule_id in ids:
        if rule_id in seen:
            first = line_for(marks, seen[rule_id])
            fail(path, f"duplicate rule id {rule_id!r} (first on line {first})")
        seen[rule_id] = path
    level_ids = {rule.id for rule in rulebook.level_rules}
    refs = [(("types", key, "level_rule"), rule.level_rule) for key, rule in rulebook.types.items()]
    refs.append((("unclassified", "level_rule"), rulebook.unclassified.level_rule))
    for path, ref in refs:
        if ref not in level_ids:
            fail(path, f"unknown level rule {ref!r}; defined: {', '.join(sorted(level_ids))}")
    tables = (
        ("categories", rulebook.categories, CATEGORIES),
        ("metrics", rulebook.metrics, METRICS),
    )
    for name, table, wanted in tables:
        missing = [key for key in wanted if key not in table]
        if missing:
            fail((name,), f"{name} is missing {', '.join(missing)}")
    for path, reason in _single_metric_steps(rulebook):
        fail(path, reason)


def parse_rulebook(text: str, file: str = "<rulebook>") -> Rulebook:
    """Validate rulebook YAML text; ``file`` names it in errors."""
    data, marks = _parse(text, file)
    if not isinstance(data, dict):
        raise RulebookError(file, 1, "the rulebook must be a mapping at the top level")
    try:
        rulebook = Rulebook.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        line = line_for(marks, first["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise RulebookError(
            file, line, f"{_format_loc(first['loc'])}: {first['msg']}{more}"
        ) from exc
    _cross_check(rulebook, marks, file)
    rulebook._source_path = file
    return rulebook


@functools.lru_cache(maxsize=1)
def _default_rulebook() -> Rulebook:
    path = default_rulebook_path()
    return parse_rulebook(path.read_text(encoding="utf-8"), str(path))


def load_rulebook(path: Path | None = None) -> Rulebook:
    """The rulebook at ``path``, or the shipped one (loaded once, then cached)."""
    if path is None:
        return _default_rulebook()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulebookError(str(path), None, f"cannot read the rulebook: {exc}") from exc
    return parse_rulebook(text, str(path))
