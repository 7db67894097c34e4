"""docker-compose.yml is valid and configures citywatch only through real settings."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


def test_compose_file_validates_with_docker_compose():
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.fail("docker-compose is not installed (Debian package); `make setup` installs it")
    env = dict(os.environ, ELASTIC_PASSWORD="generated-for-validation")
    result = subprocess.run(
        [tool, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr


def test_every_citywatch_variable_exists_in_settings():
    doc = yaml.safe_load(COMPOSE.read_text())
    names: set[str] = set()

    def collect(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and key.startswith("CITYWATCH_"):
                    names.add(key)
                collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(doc)
    assert names, "docker-compose.yml sets no CITYWATCH_ variable"
    known = {f"CITYWATCH_{name.upper()}" for name in Settings.model_fields}
    assert sorted(names - known) == []


def test_compose_uses_elasticsearch_security_and_the_local_versions():
    doc = yaml.safe_load(COMPOSE.read_text())
    es = doc["services"]["elasticsearch"]
    assert es["environment"]["xpack.security.enabled"] == "true"
    settings = Settings()
    assert es["image"].endswith(f":{settings.local_es_version}")
    assert doc["services"]["kafka"]["image"] == f"apache/kafka:{settings.local_kafka_version}"
