"""Shared by the crash tests: the installed CLI as a process, a served installation, the checks.

Everything here runs the real thing: ``brightline`` as installed in this interpreter's
environment, ``brightline serve`` (uvicorn) on a free loopback port, SQLite's own
``integrity_check`` and ``brightline audit verify``.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest
from typer.testing import CliRunner, Result

from brightline.cli import app
from brightline.settings import Settings
from tests.conftest import copy_of, template_of

LOOPBACK = "127.0.0.1"  # the only address these tests ever send to
START_SECONDS = 60  # a busy shared machine can take this long to import and migrate
STOP_SECONDS = 15


def brightline_command() -> list[str]:
    """The installed ``brightline`` console script beside this interpreter."""
    script = Path(sys.executable).with_name("brightline")
    assert script.exists(), f"brightline is not installed beside {sys.executable}"
    return [str(script)]


def process_environment(settings: Settings) -> dict[str, str]:
    """This environment, pointed at the installation, with the cheap argon2 profile."""
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("BRIGHTLINE_")
    }
    environment["BRIGHTLINE_HOME"] = str(settings.home)
    environment["BRIGHTLINE_ARGON2_PROFILE"] = "test"
    return environment


def fresh_installation(factory: pytest.TempPathFactory, name: str) -> Settings:
    """A closed copy of the migrated template holding the test world and its staff."""
    settings = Settings(home=factory.mktemp(name) / "home", database_url=None)
    copy_of(template_of(None, factory, seeded=True), settings).close()
    return settings


def database_file(settings: Settings) -> Path:
    return settings.home / "brightline.db"


def integrity(settings: Settings) -> str:
    """SQLite's own full check of the database file (after WAL recovery), "ok" if sound."""
    connection = sqlite3.connect(database_file(settings))
    try:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    finally:
        connection.close()
    return "; ".join(str(row[0]) for row in rows)


def cli(settings: Settings, *args: str) -> Result:
    """A ``brightline`` command in this process, against the installation."""
    return CliRunner().invoke(app, ["--home", str(settings.home), *args])


def audit_verified(settings: Settings) -> Result:
    """``brightline audit verify``: every entry, tree node and checkpoint re-checked."""
    return cli(settings, "audit", "verify", "--workers", "1")


def free_port() -> int:
    """A loopback port nobody listens on now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class Server:
    """One ``brightline serve`` process and where it listens."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no rollback; as a power cut to the process."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=STOP_SECONDS)


def _wait_until_healthy(server: Server) -> None:
    """Poll ``/healthz`` until it answers 200, the process dies, or the time is up."""
    deadline = time.monotonic() + START_SECONDS
    with httpx.Client(base_url=server.url, timeout=2) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise AssertionError(f"the server exited: {server.log.read_text()[-2000:]}")
            try:
                if client.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise AssertionError(f"no /healthz within {START_SECONDS} s: {server.log.read_text()[-2000:]}")


@contextmanager
def serving(settings: Settings, log: Path) -> Iterator[Server]:
    """``brightline serve`` on a free loopback port, healthy; stopped (if still alive) after."""
    port = free_port()
    with log.open("ab") as output:
        process = subprocess.Popen(
            [*brightline_command(), "serve", "--host", LOOPBACK, "--port", str(port)],
            env=process_environment(settings),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: a signal to it never reaches pytest
        )
    server = Server(process, port, log)
    try:
        _wait_until_healthy(server)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                server.kill()
