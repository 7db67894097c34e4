"""``citywatch simulate``: a scenario paced in real time into Kafka, with a progress bar."""

from __future__ import annotations

from kafka import KafkaProducer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.clients import kafka_python_config
from pipeline.names import TopicNames
from pipeline.settings import Settings
from pipeline.simulate import RunSummary, get_scenario, run_scenario

_CONTRACT = TopicNames()


def simulate(
    settings: Settings,
    name: str,
    rate: float | None,
    duration_s: float,
    seed: int,
    time_scale: float | None,
    console: Console,
) -> RunSummary:
    """Run scenario ``name``; topics follow the deployment's namespace."""
    scenario = get_scenario(name)
    names = settings.topics()
    mapping = {
        _CONTRACT.reports: names.reports,
        _CONTRACT.readings: names.readings,
        _CONTRACT.findings: names.findings,
    }
    producer = KafkaProducer(acks="all", linger_ms=5, **kafka_python_config(settings))
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task(f"simulate {name}", total=None)

            def send(topic: str, key: bytes | None, value: bytes) -> None:
                producer.send(mapping.get(topic, topic), key=key, value=value)

            def advance(sent: int, total: int) -> None:
                progress.update(task, completed=sent, total=total)

            summary = run_scenario(
                scenario,
                send,
                rate=rate,
                duration_s=duration_s,
                seed=seed,
                time_scale=time_scale,
                progress=advance,
            )
        producer.flush()
    finally:
        producer.close()
    return summary
