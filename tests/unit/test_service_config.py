from pathlib import Path

from pipeline.services.config import (
    ElasticsearchPaths,
    KafkaPaths,
    elasticsearch_heap_options,
    elasticsearch_yml,
    kafka_jvm_args,
    kafka_log4j2_properties,
    kafka_maven_pom,
    kafka_server_properties,
)
from pipeline.settings import Settings


def _settings(tmp_path: Path, **kw) -> Settings:
    return Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", **kw)


def _props(text: str) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")
    )


def test_kafka_properties_single_kraft_node_on_loopback(tmp_path):
    s = _settings(tmp_path, local_kafka_port=19092, local_kafka_controller_port=19093)
    paths = KafkaPaths.of(s)
    props = _props(kafka_server_properties(s, paths))
    assert props["process.roles"] == "broker,controller"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert props["log.dirs"] == str(tmp_path / "data" / "kafka" / "data")
    assert props["offsets.topic.replication.factor"] == "1"


def test_kafka_jvm_heap_and_logging(tmp_path):
    s = _settings(tmp_path, local_kafka_heap="768m")
    paths = KafkaPaths.of(s)
    args = kafka_jvm_args(s, paths)
    assert "-Xms768m" in args and "-Xmx768m" in args
    assert f"-Dlog4j2.configurationFile={paths.log4j}" in args
    assert args[args.index("-cp") + 1] == f"{paths.libs}/*"
    assert f"fileName = {paths.log}" in kafka_log4j2_properties(paths)
    assert paths.libs == tmp_path / "cache" / f"kafka-{s.local_kafka_version}" / "libs"


def test_kafka_pom_pins_the_broker_version():
    pom = kafka_maven_pom("4.1.1")
    assert "<artifactId>kafka_2.13</artifactId>" in pom
    assert "<version>4.1.1</version>" in pom


def test_elasticsearch_yml_single_node_on_loopback(tmp_path):
    s = _settings(tmp_path, local_es_port=19200, local_es_transport_port=19300)
    paths = ElasticsearchPaths.of(s)
    conf = dict(
        line.split(": ", 1)
        for line in elasticsearch_yml(s, paths).splitlines()
        if line and not line.startswith("#")
    )
    assert conf["network.host"] == "127.0.0.1"
    assert conf["http.port"] == "19200"
    assert conf["transport.port"] == "19300"
    assert conf["discovery.type"] == "single-node"
    assert conf["path.data"] == str(paths.data)
    assert paths.archive == tmp_path / "cache" / f"elasticsearch-{s.local_es_version}.zip"


def test_elasticsearch_heap_is_explicit(tmp_path):
    s = _settings(tmp_path, local_es_heap="2g")
    assert elasticsearch_heap_options(s) == "-Xms2g\n-Xmx2g\n"


def test_cluster_ids_never_start_with_a_dash(monkeypatch):
    import base64
    import uuid

    from pipeline.services import manager

    # 0xF8 as first byte encodes to "-" in URL-safe base64; the storage tool would read it
    # as an option. The first draw is such an id, the second is not.
    draws = iter([uuid.UUID(bytes=b"\xf8" + b"\x00" * 15), uuid.UUID(bytes=b"\x01" * 16)])
    monkeypatch.setattr(manager.uuid, "uuid4", lambda: next(draws))
    assert base64.urlsafe_b64encode(b"\xf8" + b"\x00" * 15).decode().startswith("-")
    cluster_id = manager.new_cluster_id()
    assert cluster_id == base64.urlsafe_b64encode(b"\x01" * 16).decode().rstrip("=")
    assert len(cluster_id) == 22
