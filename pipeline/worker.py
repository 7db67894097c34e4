"""``citywatch worker``: load the reference data once, build the app, run every agent."""

from __future__ import annotations

import ctypes
import gc
import logging
import os
from collections.abc import Mapping
from typing import Any

import faust

from pipeline.agents import register_agents
from pipeline.app import create_app
from pipeline.clients import elasticsearch_bulk_client
from pipeline.enrich import Enricher
from pipeline.geo.districts import DistrictIndex
from pipeline.geo.facilities import FacilityRegistry
from pipeline.processing import Classifier, Processor
from pipeline.settings import Settings

log = logging.getLogger("citywatch.worker")


def default_classifier(settings: Settings) -> Classifier:
    """The rulebook classifier, loaded and validated once."""
    from pipeline.classification import rulebook_classifier
    from pipeline.classify import load_rulebook

    return rulebook_classifier(load_rulebook(settings.rulebook_file))


def build_processor(settings: Settings, classifier: Classifier | None = None) -> Processor:
    enricher = Enricher(
        DistrictIndex.load(settings.districts_file),
        FacilityRegistry.load(settings.facilities_file),
        radius_m=settings.facility_radius_m,
        grid_resolution=settings.grid_resolution,
        sensor_locator=_sensor_locator(settings),
    )
    return Processor(settings, enricher, classifier or default_classifier(settings))


def _sensor_locator(settings: Settings):
    from pipeline.warnings.registry import SensorRegistry

    registry = SensorRegistry.from_file(settings.sensor_registry_file)

    def locate(sensor_id: str) -> tuple[float, float, str] | None:
        entry = registry.get(sensor_id)
        if entry is None or entry.location is None:
            return None
        return entry.location.lat, entry.location.lon, entry.location.crs

    return locate


def build_worker_app(settings: Settings) -> tuple[faust.App, Mapping[str, Any]]:
    """The Faust app with every agent registered, ready for ``faust.Worker``."""
    app = create_app(settings)
    es = elasticsearch_bulk_client(settings)
    agents = register_agents(app, settings, build_processor(settings), es)

    @app.on_before_shutdown.connect
    async def close_elasticsearch(sender: faust.App, **kwargs: Any) -> None:
        await es.close()

    return app, agents


M_ARENA_MAX = -8
"""glibc's ``mallopt`` parameter for the number of malloc arenas."""


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Cap glibc's malloc arenas before the worker starts its threads.

    glibc gives threads their own arenas (up to eight per core), and memory freed in one
    is not reused by another: the Kafka consumer thread and the event loop then hold
    tens of megabytes of fragments. ``MALLOC_ARENA_MAX`` in the environment wins; without
    glibc (or without ``mallopt``) this does nothing. True when the cap was set here.
    """
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


def run_worker(settings: Settings, loglevel: str = "info") -> None:
    limit_malloc_arenas()
    logging.getLogger("elastic_transport").setLevel(logging.WARNING)
    app, _agents = build_worker_app(settings)
    settle_garbage_collector()
    worker = faust.Worker(app, loglevel=loglevel, quiet=True)
    quiet_root_logger(worker)
    worker.execute_from_commandline()


GC_YOUNG_THRESHOLD = 10_000
"""Allocations between collections of the youngest generation (Python's default is 700)."""


def settle_garbage_collector() -> None:
    """Fewer, cheaper garbage collections once the reference data is loaded.

    The districts, facilities, rulebook and profiles live as long as the worker: frozen,
    the collector no longer walks them. A worker allocates thousands of short-lived objects
    per batch; most are freed by reference counting, and collecting the youngest
    generation every 10,000 allocations instead of 700 lets them go before they are
    promoted and walked again. Cycles wait a little longer; the memory bound is unchanged.
    """
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def quiet_root_logger(worker: faust.Worker) -> None:
    """Keep the root logger at the worker's level.

    With a level of WARNING or above, Faust's start-up spinner sets the root logger to
    DEBUG so that every record turns it; the handlers still drop those records, but each
    debug call in aiokafka and Faust then builds one (about a twentieth of the worker's
    CPU under load). Without the spinner, the root logger keeps the configured level.
    """
    worker.spinner = None
