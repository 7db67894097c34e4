"""A SASL_SSL listener for a local Kafka broker: TLS material and SCRAM users.

Off by default: ``citywatch services up`` runs a PLAINTEXT broker for development. Tests
and staging set-ups pass a :class:`KafkaSecurity` to :func:`pipeline.services.manager.up`
to get a broker whose only client listener is SASL_SSL:

- TLS from PEM files (``ssl.keystore.type=PEM``): :func:`generate_tls` makes a throw-away
  CA and a broker certificate for 127.0.0.1 with ``openssl``;
- SCRAM users created when the storage is formatted (``StorageTool format --add-scram``),
  so they exist before the broker first starts, including the broker's own user for the
  inter-broker listener.

Production brokers get their certificates and users from the organisation's PKI and
``kafka-configs``; this module never ships keys anywhere.
"""

from __future__ import annotations

import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import ServiceError

MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-512")


@dataclass(frozen=True)
class ScramUser:
    """A SCRAM user: name and password (no ``,``, ``=``, ``[`` or ``]`` in either)."""

    name: str
    password: str = field(repr=False)

    @classmethod
    def generated(cls, name: str) -> ScramUser:
        """A user with a random password."""
        return cls(name, secrets.token_hex(16))

    def scram_argument(self, mechanism: str) -> str:
        """The ``--add-scram`` value of ``kafka-storage format`` for this user."""
        for part in (self.name, self.password):
            if any(c in part for c in ',=[]"') or not part:
                raise ServiceError(f"SCRAM user {self.name!r}: name and password must be plain")
        return f"{mechanism}=[name={self.name},password={self.password}]"


@dataclass(frozen=True)
class TlsFiles:
    """PEM files: the CA certificate, and the broker's key + certificate chain."""

    ca_cert: Path
    keystore: Path


@dataclass(frozen=True)
class KafkaSecurity:
    """The broker's client listener becomes SASL_SSL with these TLS files and users."""

    tls: TlsFiles
    broker_user: ScramUser
    users: tuple[ScramUser, ...] = ()
    mechanism: str = "SCRAM-SHA-512"

    def __post_init__(self) -> None:
        if self.mechanism not in MECHANISMS:
            raise ServiceError(f"mechanism must be one of {', '.join(MECHANISMS)}")

    def all_users(self) -> tuple[ScramUser, ...]:
        return (self.broker_user, *self.users)

    def client_config(self, user: ScramUser | None = None) -> dict[str, Any]:
        """kafka-python keyword arguments for ``user`` (default: the broker's user)."""
        user = user or self.broker_user
        return {
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": self.mechanism,
            "sasl_plain_username": user.name,
            "sasl_plain_password": user.password,
            "ssl_cafile": str(self.tls.ca_cert),
        }

    def server_properties(self, port: int, controller_port: int) -> dict[str, str]:
        """server.properties entries: SASL_SSL on 127.0.0.1:``port``, the controller beside."""
        jaas = (
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{self.broker_user.name}" password="{self.broker_user.password}";'
        )
        return {
            "listeners": f"SASL_SSL://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
            "advertised.listeners": f"SASL_SSL://127.0.0.1:{port}",
            "inter.broker.listener.name": "SASL_SSL",
            "listener.security.protocol.map": "SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
            "sasl.enabled.mechanisms": self.mechanism,
            "sasl.mechanism.inter.broker.protocol": self.mechanism,
            f"listener.name.sasl_ssl.{self.mechanism.lower()}.sasl.jaas.config": jaas,
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(self.tls.keystore),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(self.tls.ca_cert),
            "ssl.client.auth": "none",
            "ssl.endpoint.identification.algorithm": "https",
        }

    def format_arguments(self) -> list[str]:
        """``--add-scram`` arguments creating every user at storage-format time."""
        args: list[str] = []
        for user in self.all_users():
            args += ["--add-scram", user.scram_argument(self.mechanism)]
        return args


def _openssl(args: list[str], cwd: Path) -> None:
    result = subprocess.run(  # noqa: S603 - fixed argv
        ["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise ServiceError(f"openssl {args[0]} failed: {result.stderr.strip()}")


def generate_tls(directory: Path, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> TlsFiles:
    """A throw-away CA and a broker certificate for ``hosts``, valid for two days.

    Keys are unencrypted PKCS#8 (what Kafka's PEM keystore reads without a key password);
    the files are readable by their owner only.
    """
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    san = ",".join(
        (f"IP:{h}" if h.replace(".", "").isdigit() or ":" in h else f"DNS:{h}") for h in hosts
    )
    _openssl(
        [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=citywatch local test CA",
            "-keyout", "ca.key", "-out", "ca.pem",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ],
        directory,
    )  # fmt: skip
    _openssl(
        [
            "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={hosts[0]}",
            "-keyout", "broker.key", "-out", "broker.csr",
        ],
        directory,
    )  # fmt: skip
    (directory / "broker.ext").write_text(
        f"subjectAltName={san}\n"
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth,clientAuth\n"
    )
    _openssl(
        [
            "x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-out", "broker.pem", "-extfile", "broker.ext",
        ],
        directory,
    )  # fmt: skip
    keystore = directory / "broker-keystore.pem"
    keystore.write_text(
        (directory / "broker.key").read_text()
        + (directory / "broker.pem").read_text()
        + (directory / "ca.pem").read_text()
    )
    for path in directory.iterdir():
        path.chmod(0o600)
    return TlsFiles(ca_cert=directory / "ca.pem", keystore=keystore)
