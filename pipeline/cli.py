"""The ``citywatch`` command line. Every flag falls back to its ``CITYWATCH_`` variable."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from pipeline.errors import CitywatchError
from pipeline.settings import Settings

console = Console(stderr=True)
out = Console()

app = typer.Typer(
    help="citywatch: situational awareness for a city emergency-management operations center.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
services_app = typer.Typer(
    help="Run a local Kafka broker and Elasticsearch node without Docker.", no_args_is_help=True
)
app.add_typer(services_app, name="services")
warnings_app = typer.Typer(help="Operator actions on warnings.", no_args_is_help=True)
app.add_typer(warnings_app, name="warnings")
incidents_app = typer.Typer(
    help="Operator actions on incidents: lifecycle, split (audited).", no_args_is_help=True
)
app.add_typer(incidents_app, name="incidents")
resources_app = typer.Typer(
    help="Commit resources to incidents and release them (audited).", no_args_is_help=True
)
app.add_typer(resources_app, name="resources")
schemas_app = typer.Typer(help="Event contracts: JSON Schemas of the models.", no_args_is_help=True)
app.add_typer(schemas_app, name="schemas")

KafkaOpt = Annotated[
    str | None,
    typer.Option(
        "--kafka-bootstrap",
        envvar="CITYWATCH_KAFKA_BOOTSTRAP",
        help="Kafka bootstrap servers, comma separated.",
        show_default=False,
    ),
]
EsOpt = Annotated[
    str | None,
    typer.Option(
        "--es-url", envvar="CITYWATCH_ES_URL", help="Elasticsearch URL.", show_default=False
    ),
]


def make_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the flags that were given on top."""
    base = Settings()
    given = {k: v for k, v in overrides.items() if v is not None}
    return base.model_copy(update=given) if given else base


def _fail(exc: CitywatchError) -> None:
    console.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(1)


@services_app.command("up")
def services_up() -> None:
    """Start Kafka and Elasticsearch (idempotent) and wait until both answer."""
    from pipeline.services import manager

    try:
        manager.up(Settings(), console)
    except CitywatchError as exc:
        _fail(exc)


@services_app.command("down")
def services_down() -> None:
    """Stop the services that 'citywatch services up' started, and wait for them to exit."""
    from pipeline.services import manager

    manager.down(Settings(), console)


@services_app.command("status")
def services_status() -> None:
    """Print versions, addresses, pids, data and log paths of the local services."""
    from pipeline.services import manager

    rows = manager.status(Settings())
    for s in rows:
        state = "[green]up[/green]" if s.running else "[red]down[/red]"
        if s.running and not s.managed:
            state += " (not started by citywatch)"
        out.print(f"[bold]{s.name}[/bold]: {state}")
        out.print(f"  version: {s.version or '-'}", highlight=False)
        out.print(f"  address: {s.address}", highlight=False)
        out.print(f"  pid:     {s.pid or '-'}", highlight=False)
        out.print(f"  data:    {s.data}", highlight=False)
        out.print(f"  log:     {s.log}", highlight=False)
    if not all(s.running for s in rows):
        raise typer.Exit(3)


@warnings_app.command("lift")
def warnings_lift(
    district: Annotated[str, typer.Option(help="District code, e.g. 310101.")],
    hazard: Annotated[str, typer.Option(help="Hazard, e.g. rainstorm.")],
    by: Annotated[str, typer.Option(help="Who lifts it (operator name or id).")],
    reason: Annotated[str, typer.Option(help="Why it is lifted (kept in the audit).")],
    kafka_bootstrap: KafkaOpt = None,
) -> None:
    """Lift an active warning: it ends as cancelled, with who and why audited."""
    import json
    from datetime import UTC, datetime

    from kafka import KafkaProducer

    from pipeline.clients import kafka_python_config

    settings = make_settings(kafka_bootstrap=kafka_bootstrap)
    command = {
        "action": "lift",
        "district": district,
        "hazard": hazard,
        "by": by,
        "reason": reason,
        "at": datetime.now(UTC).isoformat(),
    }
    producer = KafkaProducer(acks="all", **kafka_python_config(settings))
    meta = producer.send(
        settings.topics().commands,
        key=district.encode(),
        value=json.dumps(command, ensure_ascii=False).encode(),
    ).get(timeout=30)
    producer.close()
    out.print(
        f"lift of {hazard} in {district} sent ({meta.topic}[{meta.partition}]@{meta.offset}); "
        "the worker publishes the cancelled warning, or dead-letters the command if no "
        "such warning is active"
    )


ByOpt = Annotated[str, typer.Option("--by", help="Who does it (operator name or id).")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept in the audit trail).")]
WaitOpt = Annotated[
    float,
    typer.Option("--wait", help="Seconds to wait for the worker's answer (0: do not wait)."),
]


def _incident_command(action: str, incident_id: str | None, wait: float, **fields: Any) -> None:
    from pipeline.incident_cli import run_command

    try:
        outcome = run_command(make_settings(), action, incident_id, wait_s=wait, **fields)
    except CitywatchError as exc:
        _fail(exc)
        return
    if outcome.applied is False:
        console.print(f"[red]refused by the worker:[/red] {outcome.message}")
        raise typer.Exit(1)
    out.print(outcome.message)
    if outcome.applied is None and wait > 0:
        raise typer.Exit(2)


@incidents_app.command("status")
def incidents_status(
    incident_id: Annotated[str, typer.Argument(help="Incident id, e.g. hotline_119:r-1.")],
    to: Annotated[
        str,
        typer.Option(help="New status: verified, responding, resolved or closed."),
    ],
    by: ByOpt,
    reason: ReasonOpt,
    wait: WaitOpt = 30.0,
) -> None:
    """Move an incident along its lifecycle (reported -> verified -> responding -> resolved
    -> closed); illegal changes are refused with the allowed ones."""
    _incident_command("transition", incident_id, wait, by=by, reason=reason, to=to)


@incidents_app.command("split")
def incidents_split(
    incident_id: Annotated[str, typer.Argument(help="The incident the report was merged into.")],
    report: Annotated[
        str, typer.Argument(help="The report to split out, as <source>:<report_id>.")
    ],
    by: ByOpt,
    reason: ReasonOpt,
    wait: WaitOpt = 30.0,
) -> None:
    """Split a wrongly merged report (and its follow-ups) out into a new incident."""
    _incident_command("split", incident_id, wait, by=by, reason=reason, report=report)


@incidents_app.command("show")
def incidents_show(
    incident_id: Annotated[str, typer.Argument(help="Incident id.")],
) -> None:
    """Print an incident's status, histories and resources as indexed."""
    from pipeline.incident_cli import dumps, show

    try:
        out.print_json(dumps(show(make_settings(), incident_id)))
    except CitywatchError as exc:
        _fail(exc)


@resources_app.command("commit")
def resources_commit(
    resource_id: Annotated[str, typer.Argument(help="Resource id from the registry.")],
    incident: Annotated[str, typer.Option(help="The incident to commit it to.")],
    by: ByOpt,
    reason: ReasonOpt,
    wait: WaitOpt = 30.0,
) -> None:
    """Commit an available resource to an open incident."""
    _incident_command("commit", incident, wait, by=by, reason=reason, resource_id=resource_id)


@resources_app.command("release")
def resources_release(
    resource_id: Annotated[str, typer.Argument(help="Resource id from the registry.")],
    by: ByOpt,
    reason: ReasonOpt,
    incident: Annotated[
        str | None,
        typer.Option(help="The incident it is committed to (looked up when not given)."),
    ] = None,
    wait: WaitOpt = 30.0,
) -> None:
    """Release a committed resource: it is available again."""
    _incident_command("release", incident, wait, by=by, reason=reason, resource_id=resource_id)


@schemas_app.command("export")
def schemas_export(
    out_dir: Annotated[
        Path | None, typer.Option(help="Directory to write; default: schemas/json in the package.")
    ] = None,
) -> None:
    """Write the JSON Schema of every input and output model (deterministic output)."""
    from schemas.export import export_json_schemas

    for path in export_json_schemas(out_dir):
        out.print(str(path))


@app.command("init")
def init_cmd(
    kafka_bootstrap: KafkaOpt = None,
    es_url: EsOpt = None,
    partitions: Annotated[
        int | None,
        typer.Option(
            envvar="CITYWATCH_TOPIC_PARTITIONS",
            help="Partitions of each topic created.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Create the contract's topics and install the index templates (idempotent)."""
    from pipeline.bootstrap import init
    from pipeline.clients import elasticsearch_client

    settings = make_settings(
        kafka_bootstrap=kafka_bootstrap, es_url=es_url, topic_partitions=partitions
    )
    report = init(settings, elasticsearch_client(settings))
    out.print(f"topics created: {', '.join(report.topics_created) or '-'}")
    out.print(f"topics already present: {', '.join(report.topics_existing) or '-'}")
    out.print(f"index templates installed: {', '.join(report.templates)}")


@app.command("produce")
def produce_cmd(
    file: Annotated[Path, typer.Argument(help="A JSON Lines file, one event per line.")],
    topic: Annotated[str, typer.Option(help="The topic to publish to.")],
    rate: Annotated[
        float | None, typer.Option(help="Events per second; default: as fast as possible.")
    ] = None,
    kafka_bootstrap: KafkaOpt = None,
) -> None:
    """Publish each line of a JSON Lines file, byte for byte, with a progress bar."""
    from pipeline.produce import produce_file

    settings = make_settings(kafka_bootstrap=kafka_bootstrap)
    sent = produce_file(settings, file, topic, console, rate)
    out.print(f"{sent} events published to {topic}")


@app.command("worker")
def worker_cmd(
    kafka_bootstrap: KafkaOpt = None,
    es_url: EsOpt = None,
    loglevel: Annotated[str, typer.Option(help="Log level: debug, info, warning.")] = "info",
) -> None:
    """Run the Faust worker: every agent (process reports, readings; index outputs)."""
    import sys

    # The worker never uses Arrow; without this the Elasticsearch client imports pyarrow
    # (for its optional Arrow serializer) and the process carries about 30 MB more.
    if "elasticsearch" not in sys.modules:
        sys.modules.setdefault("pyarrow", None)  # type: ignore[assignment]
    from pipeline.worker import run_worker

    run_worker(make_settings(kafka_bootstrap=kafka_bootstrap, es_url=es_url), loglevel)


@app.command("replay")
def replay_cmd(kafka_bootstrap: KafkaOpt = None, es_url: EsOpt = None) -> None:
    """Rebuild the indices from the output topics; a replay never duplicates a document."""
    from pipeline.replay import replay

    report = replay(make_settings(kafka_bootstrap=kafka_bootstrap, es_url=es_url), console)
    out.print(
        f"replayed {report.messages} messages: {report.indexed} indexed, "
        f"{report.rejected} rejected (already dead-lettered)"
    )


@app.command("classify")
def classify_cmd(
    file: Annotated[Path, typer.Argument(help="A JSON Lines file of incident reports.")],
    rulebook: Annotated[
        Path | None,
        typer.Option(envvar="CITYWATCH_RULEBOOK_FILE", help="Rulebook YAML; default: shipped."),
    ] = None,
) -> None:
    """Classify incident reports offline (no Kafka): one JSON object per input line."""
    import json

    from pipeline.classify import classify_lines, load_rulebook
    from pipeline.geo.districts import district_for_point

    try:
        book = load_rulebook(rulebook)
    except CitywatchError as exc:
        _fail(exc)

    def lookup(lat: float, lon: float, crs: str = "wgs84") -> dict | None:
        d = district_for_point(lat, lon, crs)
        return d.ref() if d else None

    with file.open("rb") as lines:
        for obj in classify_lines(lines, book, district_lookup=lookup):
            print(json.dumps(obj, ensure_ascii=False, default=str), flush=False)


@app.command("assess")
def assess_cmd(
    file: Annotated[Path, typer.Argument(help="A JSON Lines file of sensor readings.")],
    profile: Annotated[
        str, typer.Option(envvar="CITYWATCH_WARNINGS_PROFILE", help="shanghai or cma.")
    ] = "shanghai",
) -> None:
    """Assess sensor readings offline (no Kafka): one JSON object per warning change."""
    import json

    from pipeline.geo.districts import district_for_point
    from pipeline.warnings.offline import assess_lines

    def lookup(lat: float, lon: float, crs: str = "wgs84") -> dict | None:
        d = district_for_point(lat, lon, crs)
        return d.ref() if d else None

    def rejected(line_no: int, error: Exception) -> None:
        console.print(f"[yellow]line {line_no} skipped:[/yellow] {error}")

    with file.open("rb") as lines:
        try:
            for change in assess_lines(lines, profile, lookup, on_reject=rejected):
                print(json.dumps(change, ensure_ascii=False, default=str))
        except CitywatchError as exc:
            _fail(exc)


@app.command("simulate")
def simulate_cmd(
    scenario: Annotated[
        str,
        typer.Argument(
            help="typhoon, chemical_leak, new_year_bund, metro_power_failure, "
            "food_poisoning_schools or routine_day."
        ),
    ],
    rate: Annotated[
        float | None, typer.Option(help="Events per second; default: the scenario's.")
    ] = None,
    duration: Annotated[float, typer.Option(help="Wall-clock seconds to run.")] = 60.0,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same run.")] = 0,
    time_scale: Annotated[
        float | None,
        typer.Option(help="Simulated seconds per wall-clock second; default: the scenario's."),
    ] = None,
    kafka_bootstrap: KafkaOpt = None,
) -> None:
    """Publish a realistic Shanghai scenario (reports, readings, findings) in real time."""
    from pipeline.simulate_cli import simulate

    settings = make_settings(kafka_bootstrap=kafka_bootstrap)
    try:
        summary = simulate(settings, scenario, rate, duration, seed, time_scale, console)
    except KeyError as exc:
        console.print(f"[red]error:[/red] {exc.args[0]}")
        raise typer.Exit(2) from None
    out.print(
        f"{summary.sent} events sent in {summary.elapsed_s:.1f}s "
        f"({summary.achieved_rate:.1f}/s; {summary.defects} deliberately bad, "
        f"{summary.duplicates} duplicates): {dict(summary.by_topic)}"
    )


@app.command("bench")
def bench_cmd(
    events: Annotated[int, typer.Option(help="Events generated for every contender.")] = 20000,
    latency_seconds: Annotated[
        float, typer.Option(help="Duration of the fixed-rate latency run.")
    ] = 20.0,
    out: Annotated[
        Path, typer.Option(help="Directory for benchmark.json and the Markdown table.")
    ] = Path("benchmarks/results"),
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes of the pipeline (one consumer group).")
    ] = 1,
    kafka_bootstrap: KafkaOpt = None,
    es_url: EsOpt = None,
) -> None:
    """Benchmark raw Kafka, raw Elasticsearch bulk, a naive consumer and the pipeline."""
    import json

    from pipeline.bench.report import markdown
    from pipeline.bench.runner import run_bench

    settings = make_settings(kafka_bootstrap=kafka_bootstrap, es_url=es_url)
    out.mkdir(parents=True, exist_ok=True)
    result = run_bench(settings, events, latency_seconds, console, out, workers)
    (out / "benchmark.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    table = markdown(result)
    (out / "benchmark.md").write_text(table)
    print(table)


@app.command("dashboard")
def dashboard_cmd(
    host: Annotated[
        str | None,
        typer.Option(envvar="CITYWATCH_DASHBOARD_HOST", help="Address to listen on."),
    ] = None,
    port: Annotated[
        int | None, typer.Option(envvar="CITYWATCH_DASHBOARD_PORT", help="Port to listen on.")
    ] = None,
    kafka_bootstrap: KafkaOpt = None,
    es_url: EsOpt = None,
) -> None:
    """Serve the operations-center dashboard: live map, incidents, warnings, search."""
    from consumers.dashboard.app import run

    settings = make_settings(
        kafka_bootstrap=kafka_bootstrap, es_url=es_url, dashboard_host=host, dashboard_port=port
    )
    run(settings, settings.dashboard_host, settings.dashboard_port)


@app.command("alerts")
def alerts_cmd(
    host: Annotated[
        str | None, typer.Option(envvar="CITYWATCH_ALERTS_HOST", help="Feed address.")
    ] = None,
    port: Annotated[
        int | None, typer.Option(envvar="CITYWATCH_ALERTS_PORT", help="Feed port.")
    ] = None,
    directory: Annotated[
        Path | None,
        typer.Option("--dir", envvar="CITYWATCH_ALERTS_DIR", help="Directory of CAP files."),
    ] = None,
    serve: Annotated[bool, typer.Option(help="Serve the CAP feed over HTTP.")] = True,
    kafka_bootstrap: KafkaOpt = None,
) -> None:
    """Publish CAP 1.2 alerts for warning changes and serious incidents; serve the feed."""
    from consumers.alerts import run

    settings = make_settings(kafka_bootstrap=kafka_bootstrap)
    run(settings, host=host, port=port, directory=directory, serve=serve)


@app.command("webhooks")
def webhooks_cmd(
    subscriptions: Annotated[
        Path | None,
        typer.Option(envvar="CITYWATCH_WEBHOOKS_FILE", help="Subscriptions (YAML or JSON)."),
    ] = None,
    kafka_bootstrap: KafkaOpt = None,
) -> None:
    """Deliver incident and warning changes to subscribed webhooks, once each."""
    from consumers.webhooks import run

    run(make_settings(kafka_bootstrap=kafka_bootstrap), subscriptions_file=subscriptions)


@app.command("analytics")
def analytics_cmd(
    once: Annotated[
        bool, typer.Option("--once", help="Stop once caught up with the topics.")
    ] = False,
    kafka_bootstrap: KafkaOpt = None,
    es_url: EsOpt = None,
) -> None:
    """Roll up incidents and warnings per hour, district, category and level."""
    from consumers.analytics import run

    run(make_settings(kafka_bootstrap=kafka_bootstrap, es_url=es_url), until_caught_up=once)


@app.command("report")
def report_cmd(
    since: Annotated[str, typer.Option(help="Period covered, e.g. 24h, 7d.")] = "24h",
    lang: Annotated[str, typer.Option(help="zh or en.")] = "zh",
    out_dir: Annotated[
        Path | None, typer.Option("--out", envvar="CITYWATCH_REPORT_DIR", help="Output dir.")
    ] = None,
    es_url: EsOpt = None,
) -> None:
    """Write a situation report (Markdown, and HTML with charts) for the last period."""
    from consumers.report import generate_report

    try:
        files = generate_report(
            make_settings(es_url=es_url), since=since, lang=lang, out_dir=out_dir
        )
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    out.print(f"markdown: {files.markdown}\nhtml: {files.html}")


@app.command("demo")
def demo_cmd(
    scenario: Annotated[str, typer.Option(help="Scenario to run.")] = "typhoon",
    duration: Annotated[float, typer.Option(help="Wall-clock seconds of the scenario.")] = 60.0,
    seed: Annotated[int, typer.Option(help="Random seed of the scenario.")] = 0,
    exit_after: Annotated[
        bool, typer.Option("--exit", help="Stop everything once the scenario has run.")
    ] = False,
    dashboard_port: Annotated[int, typer.Option(help="Port of the dashboard.")] = 8000,
    local_services: Annotated[
        bool,
        typer.Option(
            help="Start the local Kafka and Elasticsearch if they are not running (and stop "
            "them at the end); --no-local-services for existing clusters."
        ),
    ] = True,
    logs: Annotated[Path, typer.Option(help="Directory for the child processes' logs.")] = Path(
        "var/demo-logs"
    ),
    kafka_bootstrap: KafkaOpt = None,
    es_url: EsOpt = None,
) -> None:
    """Run the worker, the consumers and the dashboard, then a scenario; Ctrl-C stops all."""
    from pipeline.demo import run_demo

    settings = make_settings(kafka_bootstrap=kafka_bootstrap, es_url=es_url)
    run_demo(
        settings,
        console,
        scenario=scenario,
        duration_s=duration,
        seed=seed,
        exit_after=exit_after,
        dashboard_port=dashboard_port,
        log_dir=logs,
        local_services=local_services,
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
