"""The Chroma store: chunks with NFC metadata and our own embeddings, plus a small document registry.

The registry (``documents.json`` beside Chroma's files) records each document's metadata, content
hash and canonical text, which incremental ingest and the source viewer need and which Chroma's
per-chunk metadata cannot hold efficiently.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import chromadb
from chromadb.config import Settings as ChromaSettings

from assistant.chunking import Chunk
from assistant.embeddings import ChromaSentenceEmbedding
from assistant.vntext import nfc

log = logging.getLogger(__name__)

REGISTRY = "documents.json"
UPSERT_BATCH = 256


class StoreError(RuntimeError):
    """The store is missing, corrupt or built for another model; the message says how to fix it."""


def indexed_text(title: str, so_hieu: str, section: str, text: str) -> str:
    """Text that is embedded and BM25-indexed: title and section path give each chunk its context."""
    head = f"{title} ({so_hieu})" if so_hieu else title
    return f"{head}\n{section}\n{text}"


def chroma_where(filters: dict[str, Any] | None) -> dict[str, Any] | None:
    """Chroma ``where`` clause from simple equality filters (None values ignored)."""
    clauses = [{k: nfc(v) if isinstance(v, str) else v} for k, v in (filters or {}).items() if v not in (None, "")]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class Store:
    def __init__(self, path: Path, *, collection: str, model: str, threads: int = 2, create: bool = True) -> None:
        self.path = path
        self.model = model
        if not create and not (path / "chroma.sqlite3").is_file():
            raise StoreError(f"no index in {path}. Build it with `python ingest.py` (or `make run`).")
        path.mkdir(parents=True, exist_ok=True)
        try:
            self.client = chromadb.PersistentClient(
                path=str(path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True)
            )
            self.embedding_function = ChromaSentenceEmbedding(model, threads)
            self.collection = self.client.get_or_create_collection(
                name=collection,
                embedding_function=self.embedding_function,
                configuration={"hnsw": {"space": "cosine"}},
            )
        except Exception as exc:  # chromadb raises many types for a damaged folder
            raise StoreError(
                f"the index in {path} cannot be opened ({exc}). Rebuild it with `python ingest.py --rebuild`."
            ) from exc
        self._registry = self._load_registry()
        built_with = self._registry.get("embedding_model")
        if built_with and Path(built_with).name != Path(model).name and self._registry.get("documents"):
            raise StoreError(
                f"the index in {path} was built with the embedding model {built_with!r}, not {model!r}. "
                "Rebuild it with `python ingest.py --rebuild`."
            )

    # -- registry -------------------------------------------------------------------------------
    def _load_registry(self) -> dict[str, Any]:
        file = self.path / REGISTRY
        if not file.is_file():
            return {"version": 1, "embedding_model": self.model, "documents": {}}
        try:
            return json.loads(file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise StoreError(f"{file} is damaged ({exc}). Rebuild with `python ingest.py --rebuild`.") from exc

    def _save_registry(self) -> None:
        self._registry["embedding_model"] = self.model
        tmp = self.path / (REGISTRY + ".tmp")
        tmp.write_text(json.dumps(self._registry, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path / REGISTRY)

    def documents(self) -> dict[str, dict[str, Any]]:
        return self._registry["documents"]

    # -- writes ---------------------------------------------------------------------------------
    def replace_document(
        self,
        meta: dict[str, Any],
        chunks: Sequence[Chunk],
        vectors: Sequence[Sequence[float]],
        *,
        content_hash: str,
        text: str,
    ) -> None:
        doc_id = meta["doc_id"]
        self.delete_document(doc_id, save=False)
        common = {k: meta[k] for k in ("doc_id", "title", "so_hieu", "doc_type", "province", "year", "period",
                                       "source_kind")}
        ids, docs, metas = [], [], []
        for chunk in chunks:
            ids.append(chunk.chunk_id)
            docs.append(chunk.text)
            metas.append({k: nfc(v) if isinstance(v, str) else v for k, v in {
                **common,
                "section": chunk.section,
                "section_number": chunk.section_number,
                "kind": chunk.kind,
                "chunk_index": chunk.index,
                "start": chunk.start,
                "end": chunk.end,
                "tokens": chunk.tokens,
                "doc_hash": content_hash,
            }.items()})
        for lo in range(0, len(ids), UPSERT_BATCH):
            hi = lo + UPSERT_BATCH
            self.collection.upsert(ids=ids[lo:hi], documents=docs[lo:hi], metadatas=metas[lo:hi],
                                   embeddings=[list(v) for v in vectors[lo:hi]])
        self._registry["documents"][doc_id] = {**meta, "hash": content_hash, "chunks": len(ids), "text": text}
        self._save_registry()

    def delete_document(self, doc_id: str, *, save: bool = True) -> None:
        self.collection.delete(where={"doc_id": doc_id})
        if self._registry["documents"].pop(doc_id, None) is not None and save:
            self._save_registry()

    # -- reads ----------------------------------------------------------------------------------
    def count(self) -> int:
        return self.collection.count()

    def all_chunks(self) -> tuple[list[str], list[str], list[dict[str, Any]]]:
        got = self.collection.get(include=["documents", "metadatas"])
        return list(got["ids"]), list(got["documents"] or []), [dict(m) for m in got["metadatas"] or []]

    def search(self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the ``k`` nearest chunks."""
        n = self.count()
        if n == 0:
            return []
        got = self.collection.query(query_embeddings=[list(vector)], n_results=min(k, n), where=where,
                                    include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(got["ids"][0], got["distances"][0], strict=True)]


def iter_batches(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for lo in range(0, len(items), size):
        yield items[lo:lo + size]
