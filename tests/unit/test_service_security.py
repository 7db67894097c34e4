"""The local broker's SASL_SSL listener: rendered configuration, SCRAM users, certificates."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipeline.errors import ServiceError
from pipeline.services.config import KafkaPaths, kafka_server_properties
from pipeline.services.security import KafkaSecurity, ScramUser, TlsFiles, generate_tls
from pipeline.settings import Settings


def _props(text: str) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")
    )


def _security(tmp_path: Path) -> KafkaSecurity:
    tls = TlsFiles(ca_cert=tmp_path / "ca.pem", keystore=tmp_path / "broker-keystore.pem")
    return KafkaSecurity(
        tls=tls, broker_user=ScramUser("broker", "b-pw"), users=(ScramUser("worker", "w-pw"),)
    )


def test_plaintext_unless_asked(tmp_path):
    s = Settings(data_dir=tmp_path, local_kafka_port=19092, local_kafka_controller_port=19093)
    props = _props(kafka_server_properties(s, KafkaPaths.of(s)))
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert "sasl.enabled.mechanisms" not in props


def test_sasl_ssl_is_the_only_client_listener(tmp_path):
    s = Settings(data_dir=tmp_path, local_kafka_port=19092, local_kafka_controller_port=19093)
    props = _props(kafka_server_properties(s, KafkaPaths.of(s), _security(tmp_path)))
    assert props["listeners"] == "SASL_SSL://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["advertised.listeners"] == "SASL_SSL://127.0.0.1:19092"
    assert props["listener.security.protocol.map"] == "SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT"
    assert props["inter.broker.listener.name"] == "SASL_SSL"
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert props["ssl.keystore.type"] == props["ssl.truststore.type"] == "PEM"
    assert props["ssl.keystore.location"] == str(tmp_path / "broker-keystore.pem")
    jaas = props["listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config"]
    assert 'username="broker" password="b-pw";' in jaas


def test_users_are_created_at_format_time(tmp_path):
    args = _security(tmp_path).format_arguments()
    assert args == [
        "--add-scram",
        "SCRAM-SHA-512=[name=broker,password=b-pw]",
        "--add-scram",
        "SCRAM-SHA-512=[name=worker,password=w-pw]",
    ]


def test_client_config_names_user_and_ca(tmp_path):
    conf = _security(tmp_path).client_config(ScramUser("worker", "w-pw"))
    assert conf["security_protocol"] == "SASL_SSL"
    assert conf["sasl_plain_username"] == "worker"
    assert conf["ssl_cafile"] == str(tmp_path / "ca.pem")


@pytest.mark.parametrize("name", ["a,b", "x=y", "[x]", ""])
def test_names_that_break_the_format_argument_are_refused(name):
    with pytest.raises(ServiceError):
        ScramUser(name, "pw").scram_argument("SCRAM-SHA-512")


def test_generated_password_is_not_shown():
    user = ScramUser.generated("worker")
    assert len(user.password) == 32 and user.password not in repr(user)


def test_generated_certificate_is_for_loopback_and_signed_by_the_ca(tmp_path):
    tls = generate_tls(tmp_path / "tls")
    text = subprocess.run(
        ["openssl", "x509", "-in", str(tmp_path / "tls" / "broker.pem"), "-noout", "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "IP Address:127.0.0.1" in text and "DNS:localhost" in text
    verify = subprocess.run(
        ["openssl", "verify", "-CAfile", str(tls.ca_cert), str(tmp_path / "tls" / "broker.pem")],
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stderr
    keystore = tls.keystore.read_text()
    assert keystore.startswith("-----BEGIN PRIVATE KEY-----")
    assert keystore.count("BEGIN CERTIFICATE") == 2
    assert oct(tls.keystore.stat().st_mode & 0o777) == "0o600"
