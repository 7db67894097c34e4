"""``citywatch services up|down|status``: a real Kafka broker and Elasticsearch node, no Docker."""

from __future__ import annotations

import base64
import os
import pwd
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from pipeline.errors import ServiceError
from pipeline.services import process
from pipeline.services.artifacts import ensure_elasticsearch, ensure_kafka
from pipeline.services.config import (
    ElasticsearchPaths,
    KafkaPaths,
    elasticsearch_heap_options,
    elasticsearch_yml,
    kafka_jvm_args,
    kafka_log4j2_properties,
    kafka_server_properties,
)
from pipeline.services.probes import es_healthy, es_version, kafka_answers
from pipeline.services.security import KafkaSecurity
from pipeline.settings import Settings

__all__ = ["down", "es_healthy", "es_version", "kafka_answers", "status", "up"]


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    running: bool
    pid: int | None
    version: str | None
    address: str
    data: Path
    log: Path
    managed: bool


# --- Kafka ----------------------------------------------------------------------------


def _java(java_home: Path | None) -> str:
    if java_home is not None:
        return str(java_home / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise ServiceError("No java on PATH; set CITYWATCH_LOCAL_KAFKA_JAVA_HOME.")
    return java


def new_cluster_id() -> str:
    """A random KRaft cluster id, as Kafka's own ``Uuid.randomUuid`` makes them.

    URL-safe base64 of 16 random bytes. Like Kafka, ids starting with ``-`` are drawn again:
    the storage tool's argument parser would read such an id as an option (1 in 64 ids).
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def start_kafka(
    settings: Settings, console: Console, security: KafkaSecurity | None = None
) -> None:
    """Start the broker (formatting its storage first); with ``security`` on SASL_SSL."""
    paths = ensure_kafka(settings, console)
    probe = security.client_config() if security else None
    if process.read_pid(paths.pid) and kafka_answers(settings.local_kafka_port, 5, probe):
        console.print(f"Kafka already running (pid {process.read_pid(paths.pid)}).")
        return
    if kafka_answers(settings.local_kafka_port, 2, probe):
        console.print(
            f"A Kafka broker not started by citywatch answers on port "
            f"{settings.local_kafka_port}; using it."
        )
        return
    paths.data.mkdir(parents=True, exist_ok=True)
    paths.config.write_text(kafka_server_properties(settings, paths, security))
    paths.config.chmod(0o600)
    paths.log4j.write_text(kafka_log4j2_properties(paths))
    java = _java(settings.local_kafka_java_home)
    jvm = kafka_jvm_args(settings, paths)
    if not (paths.data / "meta.properties").exists():
        cluster_id = new_cluster_id()
        argv = [java, *jvm, "kafka.tools.StorageTool", "format"]
        argv += ["--cluster-id", cluster_id, "--config", str(paths.config)]
        argv += security.format_arguments() if security else []
        result = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise ServiceError(f"Formatting Kafka storage failed: {result.stderr or result.stdout}")
    process.start_detached(
        [java, *jvm, "kafka.Kafka", str(paths.config)],
        pid_file=paths.pid,
        log_file=paths.log.with_suffix(".out"),
    )
    console.print(f"Kafka starting (pid {process.read_pid(paths.pid)}), log {paths.log}")


# --- Elasticsearch --------------------------------------------------------------------


def _ensure_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(  # noqa: S603
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
        )


def _chown_tree(root: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    for dirpath, _dirs, files in os.walk(root):
        os.chown(dirpath, entry.pw_uid, entry.pw_gid)
        for f in files:
            os.chown(os.path.join(dirpath, f), entry.pw_uid, entry.pw_gid)


def start_elasticsearch(settings: Settings, console: Console) -> None:
    port = settings.local_es_port
    paths = ensure_elasticsearch(settings, console)
    if process.read_pid(paths.pid) and es_version(port):
        console.print(f"Elasticsearch already running (pid {process.read_pid(paths.pid)}).")
        return
    if es_version(port, timeout_s=2):
        console.print(f"An Elasticsearch not started by citywatch answers on {port}; using it.")
        return
    if paths.config.exists():
        shutil.rmtree(paths.config)
    shutil.copytree(paths.home / "config", paths.config)
    (paths.config / "elasticsearch.yml").write_text(elasticsearch_yml(settings, paths))
    (paths.config / "jvm.options.d").mkdir(exist_ok=True)
    (paths.config / "jvm.options.d" / "heap.options").write_text(
        elasticsearch_heap_options(settings)
    )
    paths.data.mkdir(parents=True, exist_ok=True)
    paths.logs.mkdir(parents=True, exist_ok=True)
    user = None
    if os.geteuid() == 0:
        user = settings.local_es_user
        _ensure_user(user)
        _chown_tree(paths.home.parent, user)
        for parent in paths.home.parents:
            if parent == Path("/"):
                break
            if not os.stat(parent).st_mode & 0o001:
                raise ServiceError(
                    f"{parent} is not searchable by {user}; set CITYWATCH_DATA_DIR to a "
                    "directory outside it (for example /var/lib/citywatch)."
                )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ES_PATH_CONF": str(paths.config),
        "ES_TMPDIR": str(paths.data.parent / "tmp"),
    }
    Path(env["ES_TMPDIR"]).mkdir(exist_ok=True)
    if user:
        _chown_tree(Path(env["ES_TMPDIR"]), user)
    if settings.local_es_java_home:
        env["ES_JAVA_HOME"] = str(settings.local_es_java_home)
    process.start_detached(
        [str(paths.home / "bin" / "elasticsearch")],
        pid_file=paths.pid,
        log_file=paths.log,
        env=env,
        cwd=paths.home,
        user=user,
    )
    console.print(f"Elasticsearch starting (pid {process.read_pid(paths.pid)}), logs {paths.logs}")


# --- orchestration --------------------------------------------------------------------


def both_answer(settings: Settings) -> bool:
    """True when the local Kafka and Elasticsearch both answer (started by anyone)."""
    return kafka_answers(settings.local_kafka_port, timeout_s=3) and es_healthy(
        settings.local_es_port, timeout_s=3
    )


def up(
    settings: Settings,
    console: Console,
    *,
    kafka: bool = True,
    elasticsearch: bool = True,
    kafka_security: KafkaSecurity | None = None,
) -> None:
    """Start the services (idempotent) and wait until they answer.

    ``kafka``/``elasticsearch`` select the services (both by default); ``kafka_security``
    gives the broker a SASL_SSL client listener instead of PLAINTEXT.
    """
    if kafka:
        start_kafka(settings, console, kafka_security)
    if elasticsearch:
        start_elasticsearch(settings, console)
    kpaths, epaths = KafkaPaths.of(settings), ElasticsearchPaths.of(settings)
    deadline = time.monotonic() + settings.services_timeout_s
    kafka_ok, es_ok = not kafka, not elasticsearch
    probe = kafka_security.client_config() if kafka_security else None
    with console.status("Waiting for Kafka and Elasticsearch to answer ..."):
        while time.monotonic() < deadline and not (kafka_ok and es_ok):
            kafka_ok = kafka_ok or kafka_answers(settings.local_kafka_port, 3, probe)
            es_ok = es_ok or es_healthy(settings.local_es_port, timeout_s=3)
            for ok, pid_file, log, name in (
                (kafka_ok, kpaths.pid, kpaths.log, "Kafka"),
                (es_ok, epaths.pid, epaths.log, "Elasticsearch"),
            ):
                if not ok and pid_file.exists() and process.read_pid(pid_file) is None:
                    raise ServiceError(f"{name} exited during start-up; read {log}")
            if not (kafka_ok and es_ok):
                time.sleep(1)
    if not kafka_ok:
        raise ServiceError(
            f"Kafka did not answer within {settings.services_timeout_s:.0f}s; read {kpaths.log}"
        )
    if not es_ok:
        raise ServiceError(
            f"Elasticsearch did not report yellow/green within "
            f"{settings.services_timeout_s:.0f}s; read {epaths.log} and {epaths.logs}"
        )
    started = [f"[green]Kafka[/green] 127.0.0.1:{settings.local_kafka_port}"] if kafka else []
    if elasticsearch:
        started.append(f"[green]Elasticsearch[/green] http://127.0.0.1:{settings.local_es_port}")
    console.print(f"{' and '.join(started)} {'are' if len(started) > 1 else 'is'} up.")


def down(
    settings: Settings, console: Console, *, kafka: bool = True, elasticsearch: bool = True
) -> None:
    """Stop what ``up`` started (by pid file), waiting for each to exit."""
    selected = [("Elasticsearch", ElasticsearchPaths.of(settings).pid)] if elasticsearch else []
    selected += [("Kafka", KafkaPaths.of(settings).pid)] if kafka else []
    for name, pid_file in selected:
        if process.stop(pid_file, timeout_s=90):
            console.print(f"{name} stopped.")
        else:
            console.print(f"{name} was not running (no live pid in {pid_file}).")


def status(settings: Settings) -> list[ServiceStatus]:
    """Versions, ports, pids, data and log paths of both services."""
    kp, ep = KafkaPaths.of(settings), ElasticsearchPaths.of(settings)
    kpid, epid = process.read_pid(kp.pid), process.read_pid(ep.pid)
    k_up = kafka_answers(settings.local_kafka_port, timeout_s=3)
    es_ver = es_version(settings.local_es_port, timeout_s=3)
    return [
        ServiceStatus(
            name="kafka",
            running=k_up,
            pid=kpid,
            version=settings.local_kafka_version if kpid else None,
            address=f"127.0.0.1:{settings.local_kafka_port}",
            data=kp.data,
            log=kp.log,
            managed=kpid is not None,
        ),
        ServiceStatus(
            name="elasticsearch",
            running=es_ver is not None,
            pid=epid,
            version=es_ver,
            address=f"http://127.0.0.1:{settings.local_es_port}",
            data=ep.data,
            log=ep.log,
            managed=epid is not None,
        ),
    ]
