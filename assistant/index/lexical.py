"""The lexical side of an index generation: BM25 over the chunks, the corpus's accented word forms, the
role-passage mask and the answerer's IDF (:mod:`assistant.lexicon.terms`), built at ingest and saved in the generation, so that starting the assistant loads them
instead of re-tokenising every chunk.

Saved as ``<generation>/lexical/`` (bm25s arrays plus ``tables.json``). The tables record a fingerprint of
what they were built from (this module's :data:`LEXICAL_VERSION`, the role pattern, bm25s' version and
parameters, the answerer's word units, the chunks in store order): a missing, damaged or stale copy is rebuilt transparently with a
log line, and saved when the folder can be written (a Chroma server's generation is cached in
``<store>/.cache``, like the commitments tables). A store built before this existed keeps working.

BM25 runs over lower-cased syllables, their diacritic-free forms and adjacent-syllable pairs, so a question
typed without accents still matches, and two-syllable words ("tài chính") count as units.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from assistant.index.store import indexed_text
from assistant.lexicon.facts import ROLE
from assistant.lexicon.terms import build_idf, terms_fingerprint
from assistant.lexicon.text import fold, strip_diacritics, syllables

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import

#: Bump when :func:`lexical_tokens` or :class:`DiacriticRestorer` change what they produce: saved tables
#: built by an older version are then rebuilt at the next start (the role pattern is fingerprinted itself).
LEXICAL_VERSION = 2
FOLDER = "lexical"
TABLES = "tables.json"
K1, B = 1.2, 0.75


def lexical_tokens(text: str) -> list[str]:
    """Syllables (accented and folded) plus folded adjacent pairs."""
    syl = syllables(text)
    folded = [strip_diacritics(s) for s in syl]
    pairs = [f"{a}_{b}" for a, b in zip(folded, folded[1:], strict=False)]
    return syl + [f for f, s in zip(folded, syl, strict=True) if f != s] + pairs


class DiacriticRestorer:
    """Gives accents back to a question typed without them, using the corpus's own words: the most
    frequent accented form of each folded word and word pair (only the winners are kept, and saved)."""

    def __init__(self, texts: Sequence[str] = ()) -> None:
        unigrams: dict[str, Counter[str]] = defaultdict(Counter)
        bigrams: dict[str, Counter[str]] = defaultdict(Counter)
        for text in texts:
            words = re.findall(r"\w+", text)
            for w in words:
                unigrams[fold(w)][w.lower()] += 1
            for a, b in zip(words, words[1:], strict=False):
                bigrams[f"{fold(a)} {fold(b)}"][f"{a.lower()} {b.lower()}"] += 1
        self.unigrams = {k: c.most_common(1)[0][0] for k, c in unigrams.items()}
        self.bigrams = {k: c.most_common(1)[0][0] for k, c in bigrams.items()}

    @classmethod
    def from_tables(cls, unigrams: dict[str, str], bigrams: dict[str, str]) -> DiacriticRestorer:
        restorer = cls()
        restorer.unigrams, restorer.bigrams = unigrams, bigrams
        return restorer

    def restore(self, text: str) -> str:
        tokens = re.findall(r"\w+|\W+", text)
        words = [i for i, t in enumerate(tokens) if re.match(r"\w", t)]
        out = list(tokens)
        i = 0
        while i < len(words):
            idx = words[i]
            if i + 1 < len(words):
                nxt = words[i + 1]
                key = f"{fold(tokens[idx])} {fold(tokens[nxt])}"
                if key in self.bigrams and tokens[idx + 1:nxt] == [" "]:
                    a, b = self.bigrams[key].split(" ")
                    out[idx] = _match_case(tokens[idx], a)
                    out[nxt] = _match_case(tokens[nxt], b)
                    i += 2
                    continue
            best = self.unigrams.get(fold(tokens[idx]))
            if best:
                out[idx] = _match_case(tokens[idx], best)
            i += 1
        return "".join(out)


def _match_case(original: str, restored: str) -> str:
    if original.isupper() and len(original) > 1:
        return restored.upper()
    if original[:1].isupper():
        return restored[:1].upper() + restored[1:]
    return restored


def fingerprint(ids: Sequence[str], texts: Sequence[str], metas: Sequence[dict[str, Any]]) -> str:
    """What the lexical tables depend on: code version, role pattern, bm25s, the answerer's word units (for
    the IDF), and the chunks in order."""
    h = hashlib.sha256(f"{LEXICAL_VERSION}|{ROLE.pattern}|{bm25s.__version__}|{K1}|{B}|{terms_fingerprint()}".encode())
    for cid, text, meta in zip(ids, texts, metas, strict=True):
        for part in (cid, meta.get("title", ""), meta.get("so_hieu", ""), meta.get("section", ""), text):
            h.update(str(part).encode())
            h.update(b"\0")
    return h.hexdigest()


class LexicalIndex:
    """BM25 (bm25s), its vocabulary, the accent restorer, the role mask and the answerer's IDF (folded word
    unit -> inverse document frequency, :func:`assistant.lexicon.terms.build_idf`) of one generation's chunks."""

    def __init__(self, bm25: bm25s.BM25 | None, restorer: DiacriticRestorer, role_mask: np.ndarray,
                 key: str, idf: dict[str, float] | None = None) -> None:
        self.bm25 = bm25
        self.idf = idf if idf is not None else {}
        self.vocab: set[str] = set(bm25.vocab_dict) if bm25 is not None else set()
        self.restorer = restorer
        self.role_mask = role_mask
        self.key = key

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str], metas: Sequence[dict[str, Any]]) -> LexicalIndex:
        corpus = [lexical_tokens(indexed_text(m.get("title", ""), m.get("so_hieu", ""), m.get("section", ""), t))
                  for t, m in zip(texts, metas, strict=True)]
        bm25 = None
        if corpus:
            bm25 = bm25s.BM25(k1=K1, b=B)
            bm25.index(corpus, show_progress=False)
        mask = np.array([bool(ROLE.search(t)) for t in texts], dtype=bool)
        return cls(bm25, DiacriticRestorer(texts), mask, fingerprint(ids, texts, metas), build_idf(list(texts)))

    def scores(self, tokens: list[str], n: int) -> np.ndarray:
        """BM25 score of every chunk (in store order) for the query tokens the corpus knows."""
        known = [t for t in tokens if t in self.vocab]
        if not known or self.bm25 is None:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)

    def save(self, folder: Path) -> None:
        """Write to ``folder`` atomically (a temporary sibling renamed into place)."""
        tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            tmp.mkdir(parents=True)
            if self.bm25 is not None:
                self.bm25.save(str(tmp), show_progress=False)
            tables = {"key": self.key, "has_bm25": self.bm25 is not None, "role_mask": self.role_mask.tolist(),
                      "unigrams": self.restorer.unigrams, "bigrams": self.restorer.bigrams, "idf": self.idf}
            (tmp / TABLES).write_text(json.dumps(tables, ensure_ascii=False), encoding="utf-8")
            shutil.rmtree(folder, ignore_errors=True)  # a stale or damaged copy
            os.replace(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path, key: str) -> LexicalIndex | None:
        """The saved tables, or None when they are missing, damaged or were built from something else."""
        try:
            tables = json.loads((folder / TABLES).read_text(encoding="utf-8"))
            if tables.get("key") != key:
                log.info("lexical tables in %s are stale (built from other chunks or code): rebuilding", folder)
                return None
            bm25 = bm25s.BM25.load(str(folder), show_progress=False) if tables["has_bm25"] else None
            return cls(bm25, DiacriticRestorer.from_tables(tables["unigrams"], tables["bigrams"]),
                       np.array(tables["role_mask"], dtype=bool), key, dict(tables["idf"]))
        except FileNotFoundError:
            log.info("no saved lexical tables in %s: building them", folder)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("saved lexical tables in %s cannot be read (%s): rebuilding", folder, exc)
        return None


Chunks = tuple[list[str], list[str], list[dict[str, Any]]]


def lexical_of(store: Any, chunks: Chunks | None = None) -> LexicalIndex:
    """The lexical index of an opened generation (an :class:`assistant.index.store.Store`): loaded from
    the generation's folder (a Chroma server's or a pre-generation store's: ``<store>/.cache``), else built
    and saved there. ``chunks`` is ``store.all_chunks()`` when the caller already has it."""
    ids, texts, metas = chunks if chunks is not None else store.all_chunks()
    key = fingerprint(ids, texts, metas)
    folder = getattr(store, "folder", None)
    if folder is not None and not getattr(store, "legacy", False):
        place = Path(folder) / FOLDER
    else:
        place = Path(store.path) / ".cache" / f"lexical-{getattr(store, 'generation', '') or 'legacy'}"
    loaded = LexicalIndex.load(place, key)
    if loaded is not None:
        return loaded
    started = time.perf_counter()
    built = LexicalIndex.build(ids, texts, metas)
    try:
        built.save(place)
        log.info("lexical tables of %d chunks built and saved to %s in %.2fs", len(ids), place,
                 time.perf_counter() - started)
    except OSError as exc:  # a read-only store: serve from memory, build again next time
        log.warning("cannot save lexical tables to %s (%s); built in memory", place, exc)
    return built
