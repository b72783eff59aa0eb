"""Who may use the chat: the users of ``ASSISTANT_AUTH``, their password check, and the rule that the chat
is never served open to the network by accident.

``ASSISTANT_AUTH`` is ``user:pass`` or the path of a file with one ``user:pass`` per line. Without it, a
non-loopback ``--host`` is refused unless ``--insecure`` says that is intended. Passwords are compared in
constant time and never logged; a failed login is logged by user name only. :class:`Access` says who may
change the documents (``ASSISTANT_EDITORS``).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

Users = list[tuple[str, str]]


def load_auth(spec: str | None) -> Users | None:
    """Users from ``ASSISTANT_AUTH``: ``user:pass``, or the path of a file with one ``user:pass`` per line
    (blank lines and ``#`` comments ignored). None when unset; ValueError when malformed."""
    if not spec or not spec.strip():
        return None
    path = Path(spec.strip()).expanduser()
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else [spec]
    users: Users = []
    for lineno, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition(":")
        if not sep or not user.strip() or not password:
            where = f"{path}:{lineno}: " if path.is_file() else ""
            raise ValueError(f"{where}expected user:password")
        users.append((user.strip(), password))
    if not users:
        raise ValueError(f"{path}: no users (one user:password per line)")
    return users


def auth_checker(users: Users) -> Callable[[str, str], bool]:
    """Gradio's ``auth`` callable for ``users``: a constant-time password check that logs failures."""
    table = dict(users)

    def check(username: str, password: str) -> bool:
        expected = table.get(username)
        ok = expected is not None and hmac.compare_digest(expected.encode(), (password or "").encode())
        if not ok:
            log.warning("failed login for user %r", username)
        return ok

    return check


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1), bracketed or not."""
    if host.strip().lower() in {"localhost", "localhost."}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_error(host: str, users: Users | None, insecure: bool) -> str | None:
    """Why serving on ``host`` must be refused (an address reachable from the network with no login and
    no ``--insecure``), or None when it may go ahead; an intended open server is logged as a warning."""
    if is_loopback(host) or users:
        return None
    if not insecure:
        return (f"refusing to listen on {host} without a login. Set ASSISTANT_AUTH=user:password "
                "(or the path of a file of users), or pass --insecure to serve it open to the network.")
    log.warning("serving on %s WITHOUT a login (--insecure)", host)
    return None


@dataclass(frozen=True)
class Access:
    """Who may add, replace and delete documents: with login on, the users named in ``ASSISTANT_EDITORS``;
    without login, the single local user of an app served on loopback; nobody on an open network address.

    :func:`assistant.web.app.serve` sets it from the login and the address it serves on; until then (an app
    built but not served) nobody may edit."""

    login: bool = False
    editors: frozenset[str] = frozenset()
    local: bool = False

    @classmethod
    def for_serving(cls, users: Users | None, host: str, editors: frozenset[str]) -> Access:
        unknown = sorted(editors - {name for name, _ in users or []})
        if users and unknown:
            log.warning("ASSISTANT_EDITORS names users without a login: %s", ", ".join(unknown))
        return cls(login=bool(users), editors=editors, local=is_loopback(host))

    def may_edit(self, username: str | None) -> bool:
        if self.login:
            return bool(username) and username in self.editors
        return self.local

    @staticmethod
    def name(username: str | None) -> str:
        """The name a change is logged and recorded with."""
        return username or "local"
