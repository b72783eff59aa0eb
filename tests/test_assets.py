"""Offline assets: the embedding model's pinned digests and the tiktoken BPE cache. Never downloads."""

from __future__ import annotations

import hashlib
import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.core import assets
from assistant.core.assets import (
    MODEL_FOLDER,
    MODEL_SHA256,
    TIKTOKEN_FILES,
    AssetError,
    fetch_embedding_model,
    seed_tiktoken_cache,
    sha256_file,
    verify_model_dir,
)

ROOT = Path(__file__).resolve().parents[1]
PROJECT_CACHE = ROOT / "models" / "tiktoken"
URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}
VIETNAMESE = "Kế hoạch cải cách hành chính tỉnh Lạng Sơn: Sở Tài chính chủ trì, phối hợp với Sở Nội vụ; 100% TTHC."


@pytest.fixture(autouse=True)
def _never_download(monkeypatch: pytest.MonkeyPatch):
    """Any attempt to fetch an asset fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"tests must not download assets: {args!r}")

    monkeypatch.setattr(assets, "_pip_download", refuse)


def fake_model_dir(root: Path) -> Path:
    model = root / MODEL_FOLDER
    for rel in MODEL_SHA256:
        (model / rel).parent.mkdir(parents=True, exist_ok=True)
        (model / rel).write_bytes(f"fake {rel}".encode())
    return model


# ---------------------------------------------------------------------------------------------
# Embedding model verification


def test_sha256_file_matches_hashlib(tmp_path: Path):
    path = tmp_path / "blob.bin"
    data = os.urandom(3 * (1 << 20) + 123)  # spans several read blocks
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("missing", list(MODEL_SHA256))
def test_verify_model_dir_reports_a_missing_file(tmp_path: Path, missing: str, monkeypatch: pytest.MonkeyPatch):
    model = fake_model_dir(tmp_path)
    # the other files are good, so the missing one is what gets reported
    monkeypatch.setattr(assets, "MODEL_SHA256", {rel: sha256_file(model / rel) for rel in MODEL_SHA256})
    (model / missing).unlink()
    with pytest.raises(AssetError) as info:
        verify_model_dir(model)
    message = str(info.value)
    assert str(model / missing) in message and "missing" in message
    assert "make run" in message  # says how to recover


def test_verify_model_dir_reports_a_wrong_digest(tmp_path: Path):
    model = fake_model_dir(tmp_path)
    with pytest.raises(AssetError) as info:
        verify_model_dir(model)
    message = str(info.value)
    first = next(iter(MODEL_SHA256))
    assert "SHA-256 mismatch" in message and str(model / first) in message
    assert MODEL_SHA256[first] in message  # expected digest
    assert hashlib.sha256(f"fake {first}".encode()).hexdigest() in message  # actual digest
    assert "delete" in message


def test_verify_model_dir_accepts_matching_digests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    model = fake_model_dir(tmp_path)
    pinned = {rel: sha256_file(model / rel) for rel in MODEL_SHA256}
    monkeypatch.setattr(assets, "MODEL_SHA256", pinned)
    verify_model_dir(model)  # no exception
    (model / next(iter(pinned))).write_bytes(b"tampered")
    with pytest.raises(AssetError, match="SHA-256 mismatch"):
        verify_model_dir(model)


def test_fetch_embedding_model_verifies_an_existing_folder_without_downloading(tmp_path: Path):
    fake_model_dir(tmp_path)
    with pytest.raises(AssetError, match="SHA-256 mismatch"):
        fetch_embedding_model(tmp_path)


def test_pinned_digests_are_well_formed():
    assert set(MODEL_SHA256) >= {"model.safetensors", "tokenizer.model"}
    assert all(len(d) == 64 and int(d, 16) >= 0 for d in MODEL_SHA256.values())
    assert len(assets.MODEL_VERSIONS) == len(set(assets.MODEL_VERSIONS)) == 25


# ---------------------------------------------------------------------------------------------
# tiktoken cache


def test_cache_file_names_are_sha1_of_the_urls():
    for name, url in URLS.items():
        key = hashlib.sha1(url.encode()).hexdigest()
        assert TIKTOKEN_FILES.get(key) == name
    # and these are the URLs tiktoken itself asks for
    import tiktoken_ext.openai_public as public

    source = inspect.getsource(public)
    for url in URLS.values():
        assert url in source


def test_seed_tiktoken_cache_is_a_no_op_when_seeded(tmp_path: Path):
    for key in TIKTOKEN_FILES:
        (tmp_path / key).write_bytes(b"seeded")
    assert seed_tiktoken_cache(tmp_path) == tmp_path  # would fail (no download allowed) if it fetched


def test_seed_tiktoken_cache_fetches_when_a_file_is_missing(tmp_path: Path):
    (tmp_path / next(iter(TIKTOKEN_FILES))).write_bytes(b"only one")
    with pytest.raises(AssertionError, match="must not download"):
        seed_tiktoken_cache(tmp_path)


@pytest.fixture
def seeded_cache() -> Path:
    cache = Path(os.environ.get("TIKTOKEN_CACHE_DIR", PROJECT_CACHE))
    missing = [k for k in TIKTOKEN_FILES if not (cache / k).is_file()]
    if missing:
        pytest.skip(f"the tiktoken cache {cache} is not seeded (missing {missing}); run `python -m assistant.core.assets`")
    return cache


@pytest.fixture
def offline_tiktoken(monkeypatch: pytest.MonkeyPatch):
    import tiktoken.load

    def refuse(blobpath: str) -> bytes:
        raise AssertionError(f"tiktoken tried to download {blobpath}")

    monkeypatch.setattr(tiktoken.load, "read_file", refuse)
    return tiktoken.load


def _cache_dir_seen_by_a_fresh_process(**extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"TIKTOKEN_CACHE_DIR", "ASSISTANT_TIKTOKEN_CACHE"}}
    code = "import os, assistant; print(os.environ['TIKTOKEN_CACHE_DIR'])"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**env, **extra}, capture_output=True,
                         text=True, timeout=120, check=True)
    return out.stdout.strip()


def test_importing_assistant_points_tiktoken_at_the_project_cache(tmp_path: Path):
    assert os.environ.get("TIKTOKEN_CACHE_DIR")
    assert Path(_cache_dir_seen_by_a_fresh_process()).resolve() == PROJECT_CACHE.resolve()
    assert _cache_dir_seen_by_a_fresh_process(ASSISTANT_TIKTOKEN_CACHE=str(tmp_path)) == str(tmp_path)


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_tiktoken_encodings_work_offline(name: str, seeded_cache: Path, offline_tiktoken):
    import tiktoken
    import tiktoken_ext.openai_public as public

    enc = tiktoken.get_encoding(name)
    tokens = enc.encode(VIETNAMESE)
    assert 10 < len(tokens) < len(VIETNAMESE)
    assert enc.decode(tokens) == VIETNAMESE
    # rebuild from the cache files themselves (get_encoding may have been cached by an earlier test)
    fresh = tiktoken.Encoding(**getattr(public, name)())
    assert fresh.encode(VIETNAMESE) == tokens


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_tiktoken_reads_a_copied_cache_and_rejects_a_corrupt_one(name: str, seeded_cache: Path, offline_tiktoken,
                                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import tiktoken_ext.openai_public as public

    key = hashlib.sha1(URLS[name].encode()).hexdigest()
    shutil.copy(seeded_cache / key, tmp_path / key)  # never touch the project's cache below
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    params = getattr(public, name)()
    assert len(params["mergeable_ranks"]) > 100_000
    # a corrupt cache entry is detected by tiktoken's own sha256 check, which then wants to download
    (tmp_path / key).write_bytes(b"corrupt")
    with pytest.raises(AssertionError, match="tried to download"):
        getattr(public, name)()
