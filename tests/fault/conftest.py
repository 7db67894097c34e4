"""Fixtures of the fault-injection suite: deployments, the proxy, own services, results.

Plain ``pytest`` runs the fast subset (marker ``fault_fast``: worker-level and proxy
faults against the configured services, nothing shared is stopped). The slow scenarios
run when asked for: ``pytest -m fault tests/fault`` or ``scripts/chaos.py``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fault.deployment import Deployment, log_digest, scoped_settings
from tests.fault.es_proxy import FaultProxy
from tests.fault.isolated import Isolated
from tests.fault.results import ScenarioResult, append

SUITE_ENV = "CITYWATCH_FAULT_SUITE"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fault_fast: fault scenario quick and safe enough for CI on shared services"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the slow scenarios (reported as deselected, not skipped) unless ``-m``
    names ``fault`` or the whole suite is asked for (``make chaos``)."""
    asked = "fault" in (config.getoption("markexpr") or "").replace("(", " ").split()
    if asked or os.environ.get(SUITE_ENV) == "all":
        return
    slow = [
        item
        for item in items
        if item.get_closest_marker("fault") and not item.get_closest_marker("fault_fast")
    ]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item not in slow]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
        log_dir = item.funcargs.get("tmp_path") if hasattr(item, "funcargs") else None
        if report.failed and log_dir is not None:
            # the workers' own account, in the failure output: the run's files may be gone
            # (another machine, or pytest's cleanup) by the time anyone reads it
            report.sections.append(("worker logs", log_digest(Path(log_dir))))
    return report


CALL_REPORT = pytest.StashKey[pytest.TestReport]()


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Iterator[Callable[..., ScenarioResult]]:
    """Makes the test's :class:`ScenarioResult`; appended to the results file at teardown."""
    made: list[ScenarioResult] = []

    def make(number: int, fault: str, injection: str) -> ScenarioResult:
        made.append(ScenarioResult(number, fault, injection))
        return made[-1]

    yield make
    report = request.node.stash.get(CALL_REPORT, None)
    for result in made:
        if report is not None and report.failed and result.outcome in ("not finished", "held"):
            result.held = False
            result.outcome = str(report.longrepr).strip().splitlines()[-1][:300]
        append(result)


def _deployment(base, es, tmp_path, **update) -> Iterator[Deployment]:
    dep = Deployment.create(scoped_settings(base, **update), es, tmp_path)
    try:
        yield dep
    finally:
        dep.close()


@pytest.fixture
def deployment(settings, kafka_bootstrap, es, tmp_path) -> Iterator[Deployment]:
    """A uuid-scoped deployment on the configured (shared) Kafka and Elasticsearch."""
    yield from _deployment(settings, es, tmp_path)


@pytest.fixture
def proxy(settings) -> Iterator[FaultProxy]:
    """The fault-injection proxy in front of the configured Elasticsearch."""
    p = FaultProxy(settings.es_hosts()[0]).start()
    yield p
    p.stop()


@pytest.fixture(scope="module")
def isolated_es(settings) -> Iterator[Isolated]:
    """An Elasticsearch node of the suite's own (the broker stays the configured one)."""
    own = Isolated(settings, elasticsearch=True)
    try:
        own.up()
        yield own
    finally:
        own.down()


@pytest.fixture(scope="module")
def isolated_kafka(settings) -> Iterator[Isolated]:
    """A Kafka broker of the suite's own (Elasticsearch stays the configured one)."""
    own = Isolated(settings, kafka=True)
    try:
        own.up()
        yield own
    finally:
        own.down()


@pytest.fixture
def isolated_es_deployment(isolated_es, kafka_bootstrap, tmp_path) -> Iterator[Deployment]:
    """A scoped deployment whose Elasticsearch is the suite's own node."""
    from pipeline.clients import elasticsearch_client

    isolated_es.up()
    client = elasticsearch_client(isolated_es.settings, request_timeout=30)
    try:
        yield from _deployment(isolated_es.settings, client, tmp_path)
    finally:
        client.close()


@pytest.fixture
def isolated_kafka_deployment(isolated_kafka, es, tmp_path) -> Iterator[Deployment]:
    """A scoped deployment whose broker is the suite's own."""
    isolated_kafka.up()
    yield from _deployment(isolated_kafka.settings, es, tmp_path)
