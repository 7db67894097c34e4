"""The read endpoints: incidents, warnings, statistics, districts and labels.

Every endpoint needs at least a viewer (see :mod:`consumers.dashboard.auth`). Lists are
paged (``size`` at most 100), aggregations run in Elasticsearch, and the district layer is
built once per process.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import Field

from consumers.dashboard import geo, views
from consumers.dashboard.auth import Principal, require_viewer
from consumers.dashboard.queries import MAX_PAGE_SIZE, IncidentFilter, page_window
from consumers.dashboard.store import DashboardStore

LevelNumber = Annotated[int, Field(ge=1, le=4)]
router = APIRouter(prefix="/api", dependencies=[Depends(require_viewer)])


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise HTTPException(422, detail=f"{name}: give a time zone, e.g. 2025-07-01T08:00:00+08:00")
    return value


def incident_filter(
    district: Annotated[
        list[str] | None, Query(description="District codes (repeat for several).")
    ] = None,
    category: Annotated[list[str] | None, Query(description="Categories, e.g. accident.")] = None,
    types: Annotated[
        list[str] | None, Query(alias="type", description="Incident types, e.g. fire.")
    ] = None,
    level: Annotated[list[LevelNumber] | None, Query(description="Levels 1 (Ⅰ) to 4 (Ⅳ).")] = None,
    since: Annotated[datetime | None, Query(description="Reported at or after (RFC 3339).")] = None,
    until: Annotated[datetime | None, Query(description="Reported before (RFC 3339).")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Chinese or English search.")
    ] = None,
) -> IncidentFilter:
    """The filter of the incidents list, the statistics and the district counts."""
    return IncidentFilter(
        districts=tuple(district or ()),
        categories=tuple(category or ()),
        types=tuple(types or ()),
        levels=tuple(level or ()),
        since=_aware(since, "since"),
        until=_aware(until, "until"),
        q=q.strip() if q and q.strip() else None,
    )


Filter = Annotated[IncidentFilter, Depends(incident_filter)]


def store_of(request: Request) -> DashboardStore:
    return request.app.state.store


Store = Annotated[DashboardStore, Depends(store_of)]


@router.get("/incidents")
def list_incidents(
    store: Store,
    f: Filter,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> dict[str, Any]:
    """One page of incidents matching the filters, newest first."""
    try:
        page_window(page, size)
    except ValueError as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    return store.list_incidents(f, page, size)


@router.get("/incidents/{incident_id}")
def get_incident(store: Store, incident_id: str) -> dict[str, Any]:
    """The whole incident: grade history, rule explanation, facilities, audit trail."""
    detail = store.get_incident(incident_id)
    if detail is None:
        raise HTTPException(404, detail=f"no incident {incident_id}")
    return detail


@router.get("/warnings/active")
def active_warnings(store: Store) -> dict[str, Any]:
    """The latest change of every district and hazard whose warning has not ended."""
    items = store.active_warnings()
    return {"total": len(items), "items": items}


@router.get("/warnings/{warning_id}")
def warning_timeline(store: Store, warning_id: str) -> dict[str, Any]:
    """Every change of one warning, newest first."""
    changes = store.warning_changes(warning_id)
    if not changes:
        raise HTTPException(404, detail=f"no warning {warning_id}")
    return {"warning_id": warning_id, "changes": changes}


@router.get("/stats")
def stats(store: Store, f: Filter) -> dict[str, Any]:
    """Counts of the matching incidents by category, level, district and type."""
    return store.stats(f)


@router.get("/districts")
def districts(request: Request, store: Store, f: Filter) -> dict[str, Any]:
    """GeoJSON of the districts (WGS 84, simplified) with warning level and incident counts."""
    layer = geo.district_layer(request.app.state.districts_file)
    return geo.district_features(layer, store.active_warnings(), store.district_incidents(f))


@router.get("/meta")
def meta(request: Request, who: Annotated[Principal, Depends(require_viewer)]) -> dict[str, Any]:
    """Display labels (Chinese and English) of every coded value, and the caller's role."""
    layer = geo.district_layer(request.app.state.districts_file)
    return {
        "labels": views.display_labels([f["properties"] for f in layer]),
        "role": who.role,
        "authenticated": who.authenticated,
        "operator_actions": request.app.state.config.operator_token is not None,
    }
