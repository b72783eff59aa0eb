"""Settings: defaults < ASSISTANT_CONFIG file < ASSISTANT_* env vars < explicit overrides, typed values, and
one-line errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.core.settings import PROJECT_ROOT, Settings, get_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No ASSISTANT_* variable from the caller's shell leaks into these tests."""
    import os

    for name in list(os.environ):
        if name.upper().startswith("ASSISTANT_"):
            monkeypatch.delenv(name)
    return monkeypatch


def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "assistant.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(path))
    return path


def test_defaults() -> None:
    s = get_settings()
    assert s.store == PROJECT_ROOT / "vectorstore" and s.model_dir == PROJECT_ROOT / "models"
    assert (s.top_k, s.candidates, s.rrf_k, s.abstain_threshold) == (6, 30, 60, 0.2)
    assert (s.embedding_model, s.collection, s.llm_api_key, s.llm_default) == ("", "cchc", "", False)


def test_env_overrides_each_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_COLLECTION", "khac")
    monkeypatch.setenv("ASSISTANT_TOP_K", "9")
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "2.5")
    monkeypatch.setenv("ASSISTANT_STORE", "~/somewhere/store")
    monkeypatch.setenv("ASSISTANT_MODEL_DIR", "/opt/models")
    monkeypatch.setenv("ASSISTANT_CANDIDATES", "")  # empty means unset
    s = get_settings()
    assert (s.collection, s.top_k, s.llm_timeout, s.candidates) == ("khac", 9, 2.5, 30)
    assert s.store == Path.home() / "somewhere" / "store" and s.model_dir == Path("/opt/models")
    assert isinstance(s.top_k, int) and isinstance(s.llm_timeout, float) and isinstance(s.store, Path)


@pytest.mark.parametrize(("raw", "value"), [("1", True), ("true", True), ("YES", True), ("on", True),
                                            ("0", False), ("false", False), ("no", False), ("off", False)])
def test_env_booleans(monkeypatch: pytest.MonkeyPatch, raw: str, value: bool) -> None:
    monkeypatch.setenv("ASSISTANT_LLM_DEFAULT", raw)
    assert get_settings().llm_default is value


def test_overrides_are_coerced_and_none_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_TOP_K", "9")
    s = get_settings(store="~/x", feedback_db=Path("/tmp/f.sqlite3"), top_k=None, chroma_url=None)
    assert s.store == Path.home() / "x" and s.feedback_db == Path("/tmp/f.sqlite3")
    assert s.top_k == 9 and s.chroma_url == ""
    with pytest.raises(TypeError, match="top_kk"):
        get_settings(top_kk=3)


def test_file_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config(tmp_path, monkeypatch, 'llm_url = "http://127.0.0.1:8000/v1"\nllm_retries = 0\nllm_timeout = 5\n'
                                  'llm_default = true\ndata_dir = "~/docs"\n')
    s = get_settings()
    assert (s.llm_url, s.llm_retries, s.llm_timeout, s.llm_default) == ("http://127.0.0.1:8000/v1", 0, 5.0, True)
    assert s.data_dir == Path.home() / "docs"


def test_precedence_file_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config(tmp_path, monkeypatch, "top_k = 1\ncandidates = 2\nrrf_k = 3\n")
    monkeypatch.setenv("ASSISTANT_CANDIDATES", "20")
    monkeypatch.setenv("ASSISTANT_RRF_K", "30")
    s = get_settings(rrf_k=300)
    assert (s.top_k, s.candidates, s.rrf_k) == (1, 20, 300)


def test_unknown_file_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = config(tmp_path, monkeypatch, 'llm_ulr = "typo"\nllm_model = "qwen"\n')
    with pytest.raises(ValueError, match="llm_ulr") as info:
        get_settings()
    assert str(path) in str(info.value) and "ASSISTANT_* names in lower case without the prefix" in str(info.value)


@pytest.mark.parametrize("text", [None, "top_k = \n"])
def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str | None) -> None:
    path = tmp_path / "missing.toml" if text is None else config(tmp_path, monkeypatch, text)
    monkeypatch.setenv("ASSISTANT_CONFIG", str(path))
    with pytest.raises(ValueError, match="ASSISTANT_CONFIG") as info:
        get_settings()
    assert str(path) in str(info.value)


def test_bad_values_give_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_TOP_K", "abc")
    with pytest.raises(ValueError) as info:
        get_settings()
    assert str(info.value) == "Invalid value for ASSISTANT_TOP_K: 'abc' is not an integer."
    monkeypatch.delenv("ASSISTANT_TOP_K")

    monkeypatch.setenv("ASSISTANT_LLM_DEFAULT", "maybe")
    with pytest.raises(ValueError, match=r"^Invalid value for ASSISTANT_LLM_DEFAULT: 'maybe' is not a boolean"):
        get_settings()
    monkeypatch.delenv("ASSISTANT_LLM_DEFAULT")

    path = config(tmp_path, monkeypatch, 'llm_timeout = "soon"\n')
    with pytest.raises(ValueError) as info:
        get_settings()
    message = str(info.value)
    assert "\n" not in message and "llm_timeout" in message and str(path) in message and "a number" in message
    with pytest.raises(ValueError, match=r"^Invalid value for rrf_k: 'x' is not an integer\.$"):
        get_settings(rrf_k="x", llm_timeout=1)


def test_secret_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_LLM_API_KEY", "sk-secret-123")
    s = get_settings()
    assert s.llm_api_key == "sk-secret-123" and isinstance(s.llm_api_key, str)
    assert "sk-secret" not in repr(s) and "sk-secret" not in str(s)
    with pytest.raises(ValueError) as info:
        get_settings(llm_api_key=12345678, top_k="x")
    assert "12345678" not in str(info.value) and "llm_api_key" in str(info.value)


def test_immutable_and_comparable(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = get_settings(), get_settings(store=PROJECT_ROOT / "vectorstore")
    assert a == b and (a != b) is False and hash(a) == hash(b)  # the pipeline compares settings != other
    with pytest.raises(ValidationError, match="frozen"):
        a.top_k = 3  # type: ignore[misc]
    c = a.model_copy(update={"top_k": 3})
    assert c.top_k == 3 and c != a and a.top_k == 6
    monkeypatch.setenv("ASSISTANT_TOP_K", "7")
    assert get_settings() != a and isinstance(Settings(), Settings) and Settings().top_k == 7
