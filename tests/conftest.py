"""Shared fixtures."""

from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import assistant  # noqa: E402,F401  (offline environment before anything else imports the ML stack)


class NetworkBlocked(RuntimeError):
    """A test tried to reach a non-loopback address."""


def _is_loopback(address: object) -> bool:
    if not isinstance(address, tuple) or not address:
        return isinstance(address, str | bytes)  # an AF_UNIX socket path is local
    host = str(address[0])
    if host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback
                       for info in _real_getaddrinfo(host, None))
        except OSError:
            return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self: socket.socket, address: object) -> object:
    if not _is_loopback(address):
        raise NetworkBlocked(f"tests must not use the network: connect to {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> object:
    if not _is_loopback(address):
        raise NetworkBlocked(f"tests must not use the network: connect to {address!r}")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> object:
    """Fail the session on any non-loopback connection (the product must work offline)."""
    mp = pytest.MonkeyPatch()
    mp.setattr(socket.socket, "connect", _guarded_connect)
    mp.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    yield
    mp.undo()


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from the real corpus in data/ with the default embedding model (slow, once per
    session). Returns the store folder; open it with ``get_settings(store=corpus_store)``."""
    from assistant.core.settings import get_settings
    from assistant.index.build import ingest

    store = tmp_path_factory.mktemp("corpus_store")
    report = ingest([ROOT / "data"], get_settings(store=store), progress=False)
    assert not report.failed, report.summary()
    assert sum(report.chunks.values()) > 0, report.summary()
    return store
