"""The dashboard in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

The page is served by uvicorn against the real Elasticsearch and Kafka, with 300 incidents
and a set of warnings indexed under a uuid prefix. An operator signs in, the district map
and the lists render, an incident produced to Kafka appears within 5 seconds, the English
toggle relabels the page, an incident opens in the detail view and is verified (audited).
Screenshots are saved in the test's temporary directory.
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, datetime

import pytest

from consumers.dashboard import create_app
from tests.conftest import service_unavailable
from tests.dashboard_support import (
    ACTIVE_WARNINGS,
    OPERATOR_TOKEN,
    LiveServer,
    deployment,
    incident_docs,
    index_documents,
    new_incident,
    publish,
    scoped_settings,
    wait_until_live,
    warning_docs,
)

pytestmark = pytest.mark.integration

CHROMIUM = os.environ.get("CITYWATCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
N_INCIDENTS = 300
LIVE_DEADLINE_S = 5.0


@pytest.fixture(scope="module")
def served(es, settings, kafka_bootstrap):
    """(scope, base URL, app, incident docs) of a dashboard serving indexed documents."""
    now = datetime.now(UTC).replace(microsecond=0)
    with deployment(es, scoped_settings(settings)) as scope:
        docs = incident_docs(N_INCIDENTS, now)
        index_documents(es, scope, "incidents", docs)
        index_documents(es, scope, "warnings", warning_docs(now))
        app = create_app(scope)
        with LiveServer(app) as server:
            wait_until_live(app)
            yield scope, server.url, app, docs


@pytest.fixture
def page(settings, tmp_path):
    """A page of a fresh headless Chromium (own user-data directory), 1920x1080."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_unavailable("the playwright package", settings.require_services)
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        service_unavailable(f"Chromium at {CHROMIUM}", settings.require_services)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1920, "height": 1080},
            locale="zh-CN",
        )
        errors: list[str] = []
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console",
            lambda m: (
                errors.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )
        page.set_default_timeout(15_000)
        yield page
        context.close()
        assert not errors, f"JavaScript errors on the page: {errors}"


def newest_ids(docs, n):
    ordered = sorted(docs, key=lambda d: d["@timestamp"], reverse=True)
    return [d["incident"]["id"] for d in ordered[:n]]


def test_dashboard_in_chromium(served, page, es, tmp_path):
    scope, url, app, docs = served
    page.goto(url)

    # Reads need a token here: the sign-in dialog opens; the operator signs in.
    page.wait_for_selector("#login-dialog[open]")
    page.fill("#login-token", OPERATOR_TOKEN)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("body[data-ready=true]")
    assert page.inner_text("#role-label") == "值班员"
    assert page.inner_text("h1") == "上海市应急管理 · 城市运行态势"

    # The 16 districts are drawn, with area, and coloured by their active warning.
    districts = page.locator("#map path.district")
    assert districts.count() == 16
    areas = page.eval_on_selector_all(
        "#map path.district", "els => els.map(e => e.getBBox().width * e.getBBox().height)"
    )
    assert all(a > 50 for a in areas), areas
    for _, code, _, level in ACTIVE_WARNINGS:
        assert page.get_attribute(f'path.district[data-code="{code}"]', "data-warning") == level
    assert page.get_attribute('path.district[data-code="310104"]', "data-warning") == "none"

    # Lists: the newest page of incidents, markers for them, warnings most severe first.
    rows = page.locator("#incident-list li.incident")
    assert rows.count() == 50
    assert rows.evaluate_all("els => els.map(e => e.dataset.id)") == newest_ids(docs, 50)
    assert page.locator("#map circle.marker").count() == 50
    warnings = page.locator("#warning-list li.warning")
    assert warnings.count() == len(ACTIVE_WARNINGS)
    assert warnings.first.get_attribute("data-level") == "red"
    assert "共 300 起" in page.inner_text("#incident-total")
    assert page.locator("#stats-category .bar-row").count() == 5  # four and unclassified
    assert "未分类" in page.inner_text("#stats-category")

    # A live incident produced to Kafka shows up within 5 seconds.
    live = new_incident()
    live_id = live["incident"]["id"]
    page.wait_for_selector("#live-status.on", timeout=10_000)
    started = time.monotonic()
    publish(scope, scope.topics().classified, live)
    row = page.locator(f'#incident-list li.incident[data-id="{live_id}"]')
    row.wait_for(timeout=LIVE_DEADLINE_S * 1000)
    assert time.monotonic() - started < LIVE_DEADLINE_S
    assert rows.first.get_attribute("data-id") == live_id
    assert page.locator(f'#map circle.marker[data-id="{live_id}"]').count() == 1
    index_documents(es, scope, "incidents", [live])  # what the worker's indexer does
    page.screenshot(path=str(tmp_path / "dashboard-zh.png"))

    # The central city, zoomed: the seven central districts fill the map.
    whole = page.get_attribute("#map", "viewBox")
    page.click("#zoom-toggle")
    central = page.get_attribute("#map", "viewBox")
    assert float(central.split()[2]) < float(whole.split()[2]) / 3
    page.screenshot(path=str(tmp_path / "dashboard-central.png"))
    page.click("#zoom-toggle")
    assert page.get_attribute("#map", "viewBox") == whole

    # English on the toggle: interface strings and coded values are relabelled.
    page.click("#lang-toggle")
    assert page.inner_text("h1") == "Shanghai Emergency Management · City Situation"
    assert page.inner_text("#incidents-title").startswith("Incidents")
    assert page.inner_text("#lang-toggle") == "中文"
    assert "fire" in row.inner_text() and "Huangpu" in row.inner_text()
    assert page.locator("#map text.district-label", has_text="Pudong New Area").count() == 1

    # The detail view: description, grade history, rule explanation, facilities.
    row.click()
    detail = page.locator("#detail")
    detail.wait_for(state="visible")
    text = detail.inner_text()
    assert live["message"] in text
    for heading in ("Grade history", "Rule explanation", "Nearby facilities", "Audit trail"):
        assert heading in text
    assert "外滩消防站" in text and "accident.fire" in text
    page.screenshot(path=str(tmp_path / "dashboard-en-detail.png"))

    # An operator verifies it; the action is audited and the status changes.
    detail.locator("button.verify").click()
    page.fill("#action-actor", "Zhang San")
    page.fill("#action-reason", "confirmed by the field team")
    page.click("#action-form button[type=submit]")
    page.wait_for_selector("#detail .status-verified")
    audit = es.search(
        index=f"{scope.index_prefix}-audit", query={"term": {"audit.target.id": live_id}}
    )["hits"]["hits"]
    assert [h["_source"]["user"]["name"] for h in audit] == ["Zhang San"]
    assert audit[0]["_source"]["audit"]["reason"] == "confirmed by the field team"
    print(f"screenshots in {tmp_path}")
