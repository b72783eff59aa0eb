"""The Chroma store: chunks with NFC metadata and our own embeddings, plus a small document registry.

A :class:`Store` is one *generation* of the index (see :mod:`assistant.index.generations`): readers open the
published one, ingest builds a new one and publishes it atomically. Two back ends behave the same:

* local (default): a folder ``<store>/g-…/`` with Chroma's ``PersistentClient`` database and
  ``documents.json``; ``<store>/CURRENT`` names the serving generation.
* server (``ASSISTANT_CHROMA_URL``): ``chromadb.HttpClient``; a generation is the collections
  ``<name>-g-…`` (chunks) and ``<name>-g-…-docs`` (registry, one record per document), and the pointer is
  the record ``current`` of the collection ``<name>-meta``.

The registry records each document's metadata, content hash and canonical text, which incremental
ingest and the source viewer need and which Chroma's per-chunk metadata cannot hold efficiently.

:func:`open_store` and :func:`has_index` live here rather than beside the ingest run
(:mod:`assistant.index.build`), so the answering side (CLI, pipeline, app) opens the index without
importing the ingest machinery.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings as ChromaSettings

from assistant.index.embeddings import ChromaSentenceEmbedding
from assistant.index.generations import (
    LEGACY_DB,
    ReaderLock,
    is_generation,
    new_generation_name,
    read_pointer,
    write_pointer,
)
from assistant.lexicon.text import nfc

if TYPE_CHECKING:  # only for type hints: readers of the index need nothing from the ingest side
    from assistant.core.settings import Settings
    from assistant.ingest.chunking import Chunk

log = logging.getLogger(__name__)

REGISTRY = "documents.json"
UPSERT_BATCH = 256
_UNIT = [1.0]  # registry and pointer records carry a dummy one-dimensional embedding


class StoreError(RuntimeError):
    """The store is missing, corrupt, unreachable or built for another model; the message says how to fix it."""


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


def http_client(url: str) -> Any:
    """A ``chromadb.HttpClient`` for ``http(s)://host:port``; StoreError if the server does not answer."""
    parsed = urlparse(url if "://" in url else f"http://{url}")
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise StoreError(f"ASSISTANT_CHROMA_URL={url!r} is not a URL like http://127.0.0.1:8000")
    port = parsed.port or (443 if parsed.scheme == "https" else 8000)
    try:
        client = chromadb.HttpClient(host=parsed.hostname, port=port, ssl=parsed.scheme == "https",
                                     settings=ChromaSettings(anonymized_telemetry=False))
        client.heartbeat()
    except Exception as exc:
        raise StoreError(f"cannot reach the Chroma server at {url} ({exc}). Start it (`chroma run --path DIR "
                         f"--host {parsed.hostname} --port {port}`) or fix ASSISTANT_CHROMA_URL / --chroma-url."
                         ) from exc
    return client


def current_generation(path: Path, url: str | None, collection: str) -> str | None:
    """The published generation ("" for a store built before generations), or None when there is none."""
    if url:
        client = http_client(url)
        names = {getattr(c, "name", str(c)) for c in client.list_collections()}
        if f"{collection}-meta" not in names:
            return None
        got = client.get_collection(f"{collection}-meta", embedding_function=None).get(ids=["current"])
        return got["documents"][0] if got["ids"] else None
    name = read_pointer(path)
    if name is None and (path / LEGACY_DB).is_file():
        return ""
    return name


def server_has_index(url: str, collection: str) -> bool:
    """Whether the Chroma server at ``url`` has a published index (a damaged one counts)."""
    client = http_client(url)
    names = {getattr(c, "name", str(c)) for c in client.list_collections()}
    if f"{collection}-meta" not in names:
        return False
    return bool(client.get_collection(f"{collection}-meta", embedding_function=None).get(ids=["current"])["ids"])


def open_store(settings: Settings, *, create: bool = False) -> Store:
    """The published index (``create=False``), or a new unpublished generation to build (``create=True``),
    in the local folder or on the Chroma server of ``settings.chroma_url``."""
    from assistant.index.embeddings import resolve_model_name

    model = resolve_model_name(settings.embedding_model, settings.model_dir)
    return Store(settings.store, collection=settings.collection, model=model, threads=settings.torch_threads,
                 create=create, url=settings.chroma_url or None)


def has_index(settings: Settings) -> bool:
    """Whether a published index exists (a damaged one counts: opening it then says how to rebuild)."""
    if settings.chroma_url:
        return server_has_index(settings.chroma_url, settings.collection)
    return read_pointer(settings.store) is not None or (settings.store / LEGACY_DB).is_file()


class Store:
    """One generation of the index: a Chroma collection of chunks plus the document registry.

    ``create=False`` opens the published generation (or ``generation``) for reading and holds a reader
    lock on it; ``create=True`` starts a new, unpublished generation that :meth:`publish` switches to.
    """

    def __init__(self, path: Path, *, collection: str, model: str, threads: int = 2, create: bool = False,
                 url: str | None = None, generation: str | None = None) -> None:
        self.path = path
        self.url = url or None
        self.model = model
        self.name = collection
        self.where = url or str(path)
        self.embedding_function = ChromaSentenceEmbedding(model, threads)
        self._reader: ReaderLock | None = None
        self.legacy = False
        try:
            if self.url:
                self._open_server(collection, generation, create)
            else:
                self._open_local(collection, generation, create)
        except StoreError:
            raise
        except Exception as exc:  # chromadb raises many types for a damaged database
            raise StoreError(f"the index in {self.where} cannot be opened ({exc}). "
                             f"Rebuild it with `python ingest.py --rebuild`.") from exc
        built_with = self._registry.get("embedding_model")
        if built_with and Path(built_with).name != Path(model).name and self._registry.get("documents"):
            self.close()
            raise StoreError(
                f"the index in {self.where} was built with the embedding model {built_with!r}, not {model!r}. "
                "Rebuild it with `python ingest.py --rebuild`."
            )

    # -- opening --------------------------------------------------------------------------------
    def _open_local(self, collection: str, generation: str | None, create: bool) -> None:
        root = self.path
        if create:
            self.generation = generation or new_generation_name()
            folder = root / self.generation
            folder.mkdir(parents=True, exist_ok=False)
        else:
            self.generation = generation or read_pointer(root)
            if self.generation is None:
                if not (root / LEGACY_DB).is_file():
                    raise StoreError(f"no index in {root}. Build it with `python ingest.py` (or `make run`).")
                self.legacy, self.generation, folder = True, "", root
            else:
                folder = root / self.generation
                if not (folder / LEGACY_DB).is_file() or not (folder / REGISTRY).is_file():
                    raise StoreError(f"the index in {root} is damaged: its generation {self.generation} is missing "
                                     "or incomplete. Rebuild it with `python ingest.py --rebuild`.")
            self._reader = ReaderLock(folder)
        self.folder = folder
        self.client = chromadb.PersistentClient(
            path=str(folder), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True))
        if create:
            self.collection = self.client.create_collection(
                name=collection, embedding_function=self.embedding_function,
                configuration={"hnsw": {"space": "cosine"}})
        else:
            self.collection = self.client.get_collection(name=collection, embedding_function=self.embedding_function)
        self._registry = self._load_local_registry(required=not create and not self.legacy)

    def _load_local_registry(self, *, required: bool) -> dict[str, Any]:
        file = self.folder / REGISTRY
        if not file.is_file():
            if required:
                raise StoreError(f"{file} is missing. Rebuild with `python ingest.py --rebuild`.")
            return {"version": 1, "embedding_model": self.model, "documents": {}}
        try:
            return json.loads(file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise StoreError(f"{file} is damaged ({exc}). Rebuild with `python ingest.py --rebuild`.") from exc

    def _open_server(self, collection: str, generation: str | None, create: bool) -> None:
        from chromadb.errors import NotFoundError

        self.folder = None
        self.client = http_client(self.url or "")
        self.meta = self.client.get_or_create_collection(f"{collection}-meta", embedding_function=None)
        if create:
            self.generation = generation or new_generation_name()
            self.collection = self.client.create_collection(
                name=f"{collection}-{self.generation}", embedding_function=self.embedding_function,
                configuration={"hnsw": {"space": "cosine"}})
            self.docs = self.client.create_collection(f"{collection}-{self.generation}-docs", embedding_function=None)
            self._registry = {"version": 1, "embedding_model": self.model, "documents": {}}
            return
        pointer = self.meta.get(ids=["current"], include=["documents", "metadatas"])
        if generation is None and not pointer["ids"]:
            raise StoreError(f"no index on the Chroma server {self.url}. Build it with "
                             f"`python ingest.py --chroma-url {self.url}`.")
        self.generation = generation or pointer["documents"][0]
        try:
            self.collection = self.client.get_collection(f"{collection}-{self.generation}",
                                                         embedding_function=self.embedding_function)
            self.docs = self.client.get_collection(f"{collection}-{self.generation}-docs", embedding_function=None)
        except NotFoundError as exc:
            raise StoreError(f"the index on the Chroma server {self.url} is damaged: generation {self.generation} "
                             f"is missing. Rebuild it with `python ingest.py --rebuild --chroma-url {self.url}`."
                             ) from exc
        got = self.docs.get(include=["documents"])
        documents = {doc_id: json.loads(text) for doc_id, text in zip(got["ids"], got["documents"] or [], strict=True)}
        built_with = (pointer["metadatas"] or [{}])[0].get("embedding_model") if pointer["ids"] else None
        self._registry = {"version": 1, "embedding_model": built_with or self.model, "documents": documents}

    def close(self) -> None:
        """Release the reader lock (the generation may then be deleted by the next ingest)."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def documents(self) -> dict[str, dict[str, Any]]:
        return self._registry["documents"]

    # -- writes (a generation being built) ------------------------------------------------------
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
        self.collection.delete(where={"doc_id": doc_id})
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
        self._upsert(ids, docs, metas, [list(v) for v in vectors])
        self._registry["documents"][doc_id] = {**meta, "hash": content_hash, "chunks": len(ids), "text": text}

    def copy_document(self, source: Store, doc_id: str) -> int:
        """Carry a document over from another generation: its chunks, embeddings and registry entry."""
        got = source.collection.get(where={"doc_id": doc_id}, include=["embeddings", "documents", "metadatas"])
        vectors = [list(map(float, v)) for v in got["embeddings"]] if got["embeddings"] is not None else []
        self._upsert(list(got["ids"]), list(got["documents"] or []), [dict(m) for m in got["metadatas"] or []],
                     vectors)
        self._registry["documents"][doc_id] = dict(source.documents()[doc_id])
        return len(got["ids"])

    def _upsert(self, ids: list[str], docs: list[str], metas: list[dict[str, Any]], vectors: list[list[float]]) -> None:
        for lo in range(0, len(ids), UPSERT_BATCH):
            hi = lo + UPSERT_BATCH
            self.collection.upsert(ids=ids[lo:hi], documents=docs[lo:hi], metadatas=metas[lo:hi],
                                   embeddings=vectors[lo:hi])

    def publish(self, previous: str | None = None) -> None:
        """Write the registry, then switch readers to this generation in one atomic step."""
        self._registry["embedding_model"] = self.model
        if self.url:
            items = list(self.documents().items())
            for lo in range(0, len(items), 64):
                batch = items[lo:lo + 64]
                self.docs.upsert(ids=[d for d, _ in batch], documents=[json.dumps(i, ensure_ascii=False) for _, i in batch],
                                 embeddings=[_UNIT] * len(batch))
            self.meta.upsert(ids=["current"], documents=[self.generation], embeddings=[_UNIT], metadatas=[{
                "embedding_model": self.model, "previous": previous or "", "published": time.time()}])
            return
        assert self.folder is not None
        file = self.folder / REGISTRY
        tmp = self.folder / (REGISTRY + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(json.dumps(self._registry, ensure_ascii=False))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, file)
        write_pointer(self.path, self.generation)

    def discard(self) -> None:
        """Drop an unpublished generation (after an error; a killed process leaves it to the next ingest)."""
        if self.url:
            for name in (f"{self.name}-{self.generation}", f"{self.name}-{self.generation}-docs"):
                try:
                    self.client.delete_collection(name)
                except Exception:  # already gone: nothing to do
                    log.debug("collection %s already deleted", name)
        elif self.folder is not None and self.folder != self.path:
            import shutil

            shutil.rmtree(self.folder, ignore_errors=True)

    # -- reads ----------------------------------------------------------------------------------
    def count(self) -> int:
        return self.collection.count()

    def all_chunks(self) -> tuple[list[str], list[str], list[dict[str, Any]]]:
        try:
            got = self.collection.get(include=["documents", "metadatas"])
        except Exception as exc:
            raise StoreError(f"the index in {self.where} cannot be read ({exc}). "
                             "Rebuild it with `python ingest.py --rebuild`.") from exc
        return list(got["ids"]), list(got["documents"] or []), [dict(m) for m in got["metadatas"] or []]

    def search(self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the ``k`` nearest chunks."""
        n = self.count()
        if n == 0:
            return []
        got = self.collection.query(query_embeddings=[list(vector)], n_results=min(k, n), where=where,
                                    include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(got["ids"][0], got["distances"][0], strict=True)]


def remove_stale_server_generations(client: Any, collection: str) -> list[str]:
    """Delete the server's generations other than the current and the previous one (replicas that have
    not reloaded yet may still read it), including unpublished ones left by a killed ingest. Call with the
    ingest lock held; ingest into one server from one host only."""
    meta = client.get_or_create_collection(f"{collection}-meta", embedding_function=None)
    pointer = meta.get(ids=["current"], include=["documents", "metadatas"])
    if not pointer["ids"]:
        return []
    keep = {pointer["documents"][0], (pointer["metadatas"] or [{}])[0].get("previous", "")}
    prefix = f"{collection}-"
    removed = []
    for col in client.list_collections():
        name = getattr(col, "name", str(col))
        gen = name[len(prefix):].removesuffix("-docs") if name.startswith(prefix) else ""
        if is_generation(gen) and gen not in keep:
            client.delete_collection(name)
            removed.append(name)
    return removed


def iter_batches(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for lo in range(0, len(items), size):
        yield items[lo:lo + size]
