import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from pipeline.bootstrap import index_template
from pipeline.names import INDEX_KINDS
from pipeline.settings import Settings


def test_defaults_match_the_contract(monkeypatch):
    for var in [v for v in os.environ if v.startswith("CITYWATCH_")]:
        monkeypatch.delenv(var)
    s = Settings()
    assert s.kafka_bootstrap == "localhost:9092"
    assert s.es_url == "http://localhost:9200"
    assert s.topic_partitions == 3
    assert s.require_services is False
    assert s.local_kafka_port == 9092 and s.local_es_port == 9200


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("CITYWATCH_KAFKA_BOOTSTRAP", "k1:19092, k2:19092")
    monkeypatch.setenv("CITYWATCH_ES_URL", "https://es.example:9243")
    monkeypatch.setenv("CITYWATCH_ES_API_KEY", "c2VjcmV0")
    monkeypatch.setenv("CITYWATCH_TOPIC_PARTITIONS", "12")
    monkeypatch.setenv("CITYWATCH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CITYWATCH_REQUIRE_SERVICES", "1")
    s = Settings()
    assert s.kafka_bootstrap_list() == ["k1:19092", "k2:19092"]
    assert s.es_hosts() == ["https://es.example:9243"]
    assert s.es_api_key.get_secret_value() == "c2VjcmV0"
    assert s.masked()["es_api_key"] == "***"
    assert s.topic_partitions == 12
    assert s.data_dir == Path(tmp_path)
    assert s.require_services is True


def test_settings_are_frozen_and_validated(monkeypatch):
    s = Settings()
    with pytest.raises(ValidationError):
        s.topic_partitions = 5
    monkeypatch.setenv("CITYWATCH_TOPIC_PARTITIONS", "0")
    with pytest.raises(ValidationError, match="topic_partitions"):
        Settings()


def test_every_field_is_documented():
    undocumented = [n for n, f in Settings.model_fields.items() if not f.description]
    assert undocumented == []


def test_refresh_interval_reaches_every_index_template(monkeypatch):
    monkeypatch.setenv("CITYWATCH_INDEX_REFRESH_INTERVAL", "250ms")
    s = Settings()
    for kind in INDEX_KINDS:
        assert index_template(kind, s)["template"]["settings"]["refresh_interval"] == "250ms"
    for bad in ("fast", "1.5s", "500"):
        monkeypatch.setenv("CITYWATCH_INDEX_REFRESH_INTERVAL", bad)
        with pytest.raises(ValidationError, match="index_refresh_interval"):
            Settings()
