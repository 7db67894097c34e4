"""Fetch the local services' artifacts from Maven Central with Maven, cached outside the repo.

Maven is the ordinary client for that registry: it honours the machine's mirrors and
proxies (``~/.m2/settings.xml``) and shows download progress.
"""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

from rich.console import Console

from pipeline.errors import ServiceError
from pipeline.services.config import (
    ElasticsearchPaths,
    KafkaPaths,
    elasticsearch_artifact,
    kafka_maven_pom,
)
from pipeline.settings import Settings

COMPLETE_MARK = ".complete"


def _mvn(args: list[str], cwd: Path, console: Console) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ServiceError("Maven (mvn) is not on PATH; install it (Debian package 'maven').")
    argv = [mvn, *([] if sys.stdout.isatty() else ["-B"]), *args]
    console.print(f"[dim]$ {' '.join(argv)}[/dim]")
    result = subprocess.run(argv, cwd=cwd, check=False)  # noqa: S603
    if result.returncode != 0:
        raise ServiceError(f"Maven failed ({result.returncode}) running: {' '.join(argv)}")


def ensure_kafka(settings: Settings, console: Console) -> KafkaPaths:
    """The Kafka broker's jars (kafka_2.13 and dependencies), downloaded once."""
    paths = KafkaPaths.of(settings)
    root = paths.libs.parent
    if (root / COMPLETE_MARK).exists():
        return paths
    console.print(f"Downloading Apache Kafka {settings.local_kafka_version} jars into {root} ...")
    root.mkdir(parents=True, exist_ok=True)
    (root / "pom.xml").write_text(kafka_maven_pom(settings.local_kafka_version))
    if paths.libs.exists():
        shutil.rmtree(paths.libs)
    _mvn(
        [
            "dependency:copy-dependencies",
            f"-DoutputDirectory={paths.libs}",
            "-DincludeScope=runtime",
        ],
        cwd=root,
        console=console,
    )
    if not any(paths.libs.glob(f"kafka_2.13-{settings.local_kafka_version}.jar")):
        raise ServiceError(f"kafka_2.13-{settings.local_kafka_version}.jar missing in {paths.libs}")
    (root / COMPLETE_MARK).write_text("ok\n")
    return paths


def ensure_elasticsearch(settings: Settings, console: Console) -> ElasticsearchPaths:
    """The Elasticsearch integ-test distribution, downloaded once and unpacked."""
    paths = ElasticsearchPaths.of(settings)
    if not paths.archive.exists():
        coords = elasticsearch_artifact(settings.local_es_version)
        console.print(f"Downloading Elasticsearch {settings.local_es_version} ({coords}) ...")
        paths.archive.parent.mkdir(parents=True, exist_ok=True)
        _mvn(
            [
                "dependency:copy",
                f"-Dartifact={coords}",
                f"-DoutputDirectory={paths.archive.parent}",
            ],
            cwd=paths.archive.parent,
            console=console,
        )
        if not paths.archive.exists():
            raise ServiceError(f"Maven did not produce {paths.archive}")
    if not (paths.home / COMPLETE_MARK).exists():
        console.print(f"Unpacking {paths.archive.name} into {paths.home.parent} ...")
        _unpack(paths.archive, paths.home.parent)
        (paths.home / COMPLETE_MARK).write_text("ok\n")
    return paths


def _unpack(archive: Path, dest: Path) -> None:
    """Extract a zip, keeping the executable bits that zipfile alone would drop."""
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            target = Path(zf.extract(info, dest))
            mode = (info.external_attr >> 16) & 0o777
            if mode and not stat.S_ISDIR(info.external_attr >> 16):
                target.chmod(mode)
