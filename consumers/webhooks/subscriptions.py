"""Webhook subscriptions: who wants which changes, loaded from a YAML or JSON file.

The file holds a list of subscriptions, or ``{"subscriptions": [...]}``::

    subscriptions:
      - id: pudong-flood-desk
        url: https://flood-desk.example.org/hooks/citywatch
        districts: ["310115"]          # GB/T 2260 codes; empty or absent: every district
        categories: [natural_disaster] # empty or absent: every category
        min_level: 3                   # Ⅲ or more serious; warnings: yellow, orange, red
        hazards: [rainstorm, waterlogging]
        kinds: [incident, warning]     # default both
        headers: {Authorization: "Bearer ..."}
        secret: "..."                  # signs each body: X-Citywatch-Signature: sha256=<hex>

Every filter that is set must match. ``min_level`` compares the incident level (1 = Ⅰ the
most serious) or the warning's colour grade (red 1, orange 2, yellow 3, blue 4); a warning's
category is its hazard's (:data:`~consumers.common.documents.HAZARD_CATEGORY`), and an
incident's hazard is the one its type is about (``rainstorm``, ``waterlogging``,
``gas_supply`` -> ``gas`` ...; none for most types, which then never match a hazard filter).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from consumers.common.documents import Change
from pipeline.errors import ConfigError
from schemas.enums import Category, Hazard

DistrictCode = Annotated[str, Field(pattern=r"^[0-9]{6}$")]


class Subscription(BaseModel):
    """One webhook subscription."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    """Unique name of the subscription (letters, digits, ``. _ -``)."""
    url: str = Field(pattern=r"^https?://\S+$", max_length=2000)
    """Where changes are POSTed (http or https)."""
    kinds: list[Literal["incident", "warning"]] = ["incident", "warning"]
    """Which changes: incident gradings, warning changes, or both."""
    districts: list[DistrictCode] = []
    """District codes to match; empty matches every district."""
    categories: list[Category] = []
    """Categories to match; empty matches every category."""
    min_level: int = Field(4, ge=1, le=4)
    """Least serious level delivered: 4 delivers everything, 2 only Ⅱ and Ⅰ."""
    hazards: list[Hazard] = []
    """Hazards to match; empty matches every change."""
    headers: dict[str, str] = {}
    """Extra HTTP headers sent with each delivery."""
    secret: SecretStr | None = None
    """HMAC-SHA256 key: when set, each body is signed in ``X-Citywatch-Signature``."""
    enabled: bool = True
    """A disabled subscription receives nothing."""

    @field_validator("headers")
    @classmethod
    def _plain_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not name or any(c in name + text for c in "\r\n"):
                raise ValueError(f"header {name!r} must be one line")
        return value

    def matches(self, change: Change) -> bool:
        """Whether ``change`` is for this subscription."""
        if not self.enabled or change.kind not in self.kinds:
            return False
        if self.districts and change.district_code not in self.districts:
            return False
        if self.categories and change.category not in self.categories:
            return False
        if self.hazards and change.hazard not in self.hazards:
            return False
        return change.level <= self.min_level


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subscriptions: list[Subscription]


def parse_subscriptions(data: object, source: str = "subscriptions") -> list[Subscription]:
    """Validate parsed YAML/JSON; raises :class:`ConfigError` naming the entry at fault."""
    if isinstance(data, list):
        data = {"subscriptions": data}
    try:
        subs = _File.model_validate(data).subscriptions
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{source}: {where}: {first['msg']}") from exc
    seen: set[str] = set()
    for sub in subs:
        if sub.id in seen:
            raise ConfigError(f"{source}: subscription id {sub.id!r} is used twice")
        seen.add(sub.id)
    return subs


def load_subscriptions(path: Path | str) -> list[Subscription]:
    """The subscriptions in a YAML or JSON file (``CITYWATCH_WEBHOOKS_FILE``)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"webhooks_file {path}: cannot be read ({exc})") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"webhooks_file {path}: not YAML or JSON ({exc})") from exc
    return parse_subscriptions(data, f"webhooks_file {path}")
