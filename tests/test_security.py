"""Security: no user-supplied path reaches the filesystem (documents are served by id from the index only),
login required off loopback, and secrets never reach the logs."""

from __future__ import annotations

import logging
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from gradio_client import Client

from assistant.web import app as webapp
from tests.test_app_api import TinyPipeline, start

ROOT = Path(__file__).resolve().parents[1]
SECRET = "Bi-Mat-9f3c2e"  # a password that must never appear in a log


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@pytest.fixture
def served(tmp_path: Path):
    s = start(TinyPipeline(tmp_path / "f.sqlite3"), tmp_path / "f.sqlite3")
    yield s
    s.demo.close()


@pytest.mark.parametrize("path", ["/etc/passwd", str(ROOT / "README.md"), str(ROOT / "data" / "catalog.yaml"),
                                  "../../../../etc/passwd", "..%2F..%2F..%2Fetc%2Fpasswd", str(ROOT / "vectorstore")])
def test_the_server_does_not_serve_files_by_path(served, path: str):
    for route in ("gradio_api/file=", "file=", "gradio_api/file/", "static/"):
        status, body = http_get(served.url + route + (path if "%" in path else urllib.parse.quote(path)))
        assert status in {400, 403, 404, 405}, (route, path, status)
        assert "root:" not in body and "Trợ lý CCHC — cited answers" not in body


def test_documents_endpoint_lists_ids_from_the_index_only(served):
    listed = Client(served.url, verbose=False).predict(api_name="/documents")
    assert [d["doc_id"] for d in listed] == ["d"] and all("source_path" not in d and "text" not in d for d in listed)


def test_login_is_required_off_loopback(served, monkeypatch, capsys):
    monkeypatch.delenv("ASSISTANT_AUTH", raising=False)
    monkeypatch.setattr(webapp, "serve", lambda *a, **k: pytest.fail("must not serve"))
    for host in ("0.0.0.0", "192.168.1.10", "::"):
        assert webapp.main(["--host", host]) == 2
        assert "refusing to listen" in capsys.readouterr().err


def test_logs_never_contain_the_password(tmp_path, monkeypatch, caplog, capsys):
    import assistant.qa.pipeline

    users = tmp_path / "users.txt"
    users.write_text(f"canbo:{SECRET}\n", encoding="utf-8")
    with caplog.at_level(logging.DEBUG):
        # a real login round trip, with a wrong password first
        s = start(TinyPipeline(tmp_path / "g.sqlite3"), tmp_path / "g.sqlite3", auth=[("canbo", SECRET)])
        try:
            with pytest.raises(Exception):  # noqa: B017 - gradio_client raises a plain error on a bad login
                Client(s.url, auth=("canbo", "sai-" + SECRET), verbose=False)
            assert Client(s.url, auth=("canbo", SECRET), verbose=False).predict("Ai?", api_name="/ask")
        finally:
            s.demo.close()
        monkeypatch.setattr(assistant.qa.pipeline, "get_pipeline", lambda settings=None: TinyPipeline(tmp_path / "f.db"))
        served: dict = {}
        monkeypatch.setattr(webapp, "serve", lambda demo, **kw: served.update(kw))
        for spec in (f"canbo:{SECRET}", str(users)):
            monkeypatch.setenv("ASSISTANT_AUTH", spec)
            assert webapp.main(["--host", "0.0.0.0"]) == 0
            assert served["auth"] == [("canbo", SECRET)]
        monkeypatch.setenv("ASSISTANT_AUTH", f"broken-{SECRET}")  # a bad setting is reported without echoing it
        assert webapp.main([]) == 2
        check = webapp.auth_checker([("canbo", SECRET)])
        assert not check("canbo", SECRET + "x") and check("canbo", SECRET)
    out = capsys.readouterr()
    assert "failed login for user 'canbo'" in caplog.text
    for text in (caplog.text, out.out, out.err):
        assert SECRET not in text


def test_every_installed_dependency_is_pinned():
    """A fresh install is reproducible: each direct dependency (pyproject, with the dev extra) and everything
    they pull in has an exact pin in constraints.txt, which `make` installs with."""
    import importlib.metadata as md
    import tomllib

    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet
    from packaging.utils import canonicalize_name

    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and version, f"constraints.txt: {line!r} is not an exact pin"
            pins[canonicalize_name(name)] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    todo = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]
    env = {**default_environment(), "extra": ""}
    seen: set[str] = set()
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen or (req.marker and not req.marker.evaluate(env)):
            continue
        seen.add(name)
        assert name in pins, f"{req.name} is installed but not pinned in constraints.txt"
        installed = md.version(req.name)  # "==2.13.0" admits the local build "2.13.0+cpu", as pip does
        assert SpecifierSet(f"=={pins[name]}").contains(installed), f"{req.name}: {installed} is not {pins[name]}"
        todo += [Requirement(r) for r in md.requires(req.name) or []]
    assert pins["torch"].split("+")[0] == "2.13.0" and len(seen) > 50
    assert "-c constraints.txt" in (ROOT / "Makefile").read_text(encoding="utf-8")
