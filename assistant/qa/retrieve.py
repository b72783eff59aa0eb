"""Hybrid retrieval: dense (Chroma) + BM25 (bm25s) fused by reciprocal rank fusion, as a LangChain
``BaseRetriever`` (a Runnable: ``retriever.invoke(query, filters=…, analysis=…)``).

BM25 runs over lower-cased syllables, their diacritic-free forms and adjacent-syllable pairs, so a
question typed without accents still matches, and two-syllable words ("tài chính") count as units; it is
built at ingest and saved with the index generation (:mod:`assistant.index.lexical`). For the dense side, a question typed without accents is given its accents back from the corpus's own
vocabulary (the most frequent accented form of each folded word pair) before it is embedded.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from itertools import zip_longest
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.index.embeddings import SentenceEmbeddings
from assistant.index.lexical import DiacriticRestorer, lexical_of, lexical_tokens
from assistant.index.store import Store, chroma_where
from assistant.lexicon.text import strip_diacritics, syllables
from assistant.lexicon.vocabulary import stopwords
from assistant.qa.analyse import DOC_DATE_Q, QueryAnalysis, analyse, query_text

log = logging.getLogger(__name__)

__all__ = ["DiacriticRestorer", "HybridIndex", "HybridRetriever", "lexical_tokens", "query_tokens", "rrf"]

# Question words that carry no topical signal (folded); dropped from the BM25 query only (stopwords.toml).
_QUERY_STOPWORDS = stopwords("retrieval", "query")
# Only for English questions: in folded Vietnamese these collide with real syllables (thể, đó, tổ).
_ENGLISH_STOPWORDS = stopwords("retrieval", "english")


# Questions about the document itself: its date, number, signer, entry into force.
_ASKS_DOC_FACTS = re.compile(r"ban hanh (?:vao )?ngay|ngay ban hanh|so hieu|nguoi ky|\bky\b|hieu luc|\bissued\b"
                             r"|\bsigned\b|\bsigner\b|theo de nghi cua|" + DOC_DATE_Q.pattern)


def query_tokens(text: str, english: bool = False) -> list[str]:
    stop = _QUERY_STOPWORDS | _ENGLISH_STOPWORDS if english else _QUERY_STOPWORDS
    syl = list(syllables(text))
    keep = [s for s in syl if strip_diacritics(s) not in stop]
    folded_all = [strip_diacritics(s) for s in syl]
    pairs = [f"{a}_{b}" for a, b in zip(folded_all, folded_all[1:], strict=False)
             if not (a in stop and b in stop)]
    return keep + [strip_diacritics(s) for s in keep] + pairs


@dataclass
class IndexedChunk:
    chunk_id: str
    text: str
    metadata: dict[str, Any]


class HybridIndex:
    """BM25 over all chunks of the store (loaded from the generation), plus lookups; one per pipeline."""

    def __init__(self, store: Store) -> None:
        ids, texts, metas = store.all_chunks()
        self.store = store
        self.chunks = [IndexedChunk(i, t, m) for i, t, m in zip(ids, texts, metas, strict=True)]
        self.position = {c.chunk_id: n for n, c in enumerate(self.chunks)}
        # BM25, the accent restorer and the role mask were saved with the generation at ingest
        self.lexical = lexical_of(store, (ids, texts, metas))
        self.bm25 = self.lexical.bm25
        self.vocab = self.lexical.vocab
        self.restorer = self.lexical.restorer
        self.role_mask = self.lexical.role_mask
        self.provinces = sorted({m.get("province", "") for m in metas if m.get("province")})
        self.documents = store.documents()

    def bm25_scores(self, tokens: list[str]) -> np.ndarray:
        return self.lexical.scores(tokens, len(self.chunks))

    def docs_matching(self, analysis: QueryAnalysis) -> set[str] | None:
        """doc_ids the question restricts itself to (by document number or province), or None."""
        docs = self.documents
        if analysis.doc_numbers:
            hits = {d for d, info in docs.items()
                    if any(re.match(rf"0*{n}\b", info.get("so_hieu", "")) for n in analysis.doc_numbers)}
            if hits:
                return hits
        wanted = [p for p in analysis.provinces if p in self.provinces]
        if wanted:
            return {d for d, info in docs.items() if info.get("province") in wanted}
        return None


def rrf(rankings: list[list[str]], k: int = 60) -> dict[str, float]:
    """Reciprocal rank fusion: sum of 1 / (k + rank) over the rankings that contain an item."""
    scores: dict[str, float] = defaultdict(float)
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] += 1.0 / (k + rank)
    return dict(scores)


def _with_heads(fused: list[str], rankings: list[list[str]], k: int, heads: int) -> list[str]:
    """The fused top ``k``, with the first ``heads`` of every ranking in it. RRF buries a passage that one
    ranker puts first and the other ranks low: the only passage naming "phường Mường Thanh" (BM25 first,
    dense 18th) or an English question's passage (dense first; BM25 has few words to match). Those heads
    take the last of the first five places (a reader looks at five), the fused order above them unchanged."""
    top = fused[: min(k, 5)]
    missing = list(dict.fromkeys(c for r in rankings for c in r[:heads] if c not in top))[: max(0, len(top) - 2)]
    kept = top[: len(top) - len(missing)]
    head = kept + [c for c in fused if c in missing]
    return head + [c for c in fused if c not in head][: k - len(head)]


class HybridRetriever(BaseRetriever):
    """Dense + BM25 with RRF; returns ``Document``s whose metadata carry the chunk's place and scores."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: HybridIndex
    embeddings: SentenceEmbeddings
    k: int = 6
    candidates: int = 30
    rrf_k: int = 60
    #: The first ``heads`` of the dense and of the BM25 ranking are always returned (see :func:`_with_heads`).
    heads: int = 2
    filters: dict[str, Any] | None = None

    def dense_query(self, analysis: QueryAnalysis) -> str:
        if analysis.no_diacritics:
            analysis = replace(analysis, question=self.index.restorer.restore(analysis.question))
        return query_text(analysis)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                filters: dict[str, Any] | None = None,
                                analysis: QueryAnalysis | None = None) -> list[Document]:
        """The chunks for ``query``, best first. Called through the Runnable interface, which forwards the
        per-call arguments: ``retriever.invoke(query, filters={"province": …}, analysis=…)``.

        ``filters`` restrict by metadata (province, doc_id, year), on top of the retriever's own
        ``filters``; ``analysis`` is the query's analysis when the caller has it (the pipeline analyses
        each question once), else ``query`` is analysed here."""
        analysis = analysis or analyse(query)
        places = [p for p in analysis.provinces if p in self.index.provinces]
        named = sorted(self.index.docs_matching(replace(analysis, provinces=[])) or []) if analysis.doc_numbers else []
        scoped = (filters or {}).get("province") or (filters or {}).get("doc_id")
        if analysis.intent == "comparison" and len(places) >= 2 and not scoped:
            docs = self._per_group(analysis, filters, [({"province": p}, replace(analysis, provinces=[p]))
                                                       for p in places])
        elif analysis.intent == "comparison" and len(named) >= 2 and not scoped:
            # documents compared by number ("Nghị định 172 và Thông tư 23, văn bản nào …"), provinces or not
            docs = self._per_group(analysis, filters, [({"doc_id": d}, analysis) for d in named])
        else:
            # who-leads answers often sit in a separate "tổ chức thực hiện" part: look a little wider
            docs = self._retrieve(analysis, filters, self.k + 4 if analysis.intent == "who_leads" else self.k)
        if analysis.intent == "definition":
            docs += self._definition_chunks(analysis, {d.id for d in docs})
        if _ASKS_DOC_FACTS.search(analysis.folded):
            docs += self._header_chunks(analysis, docs)
        return docs

    def _per_group(self, analysis: QueryAnalysis, filters: dict[str, Any] | None,
                   groups: list[tuple[dict[str, Any], QueryAnalysis]]) -> list[Document]:
        """A comparison: one retrieval per compared province or document (its filter and analysis),
        interleaved, so no one crowds out the others."""
        per = max(3, self.k // len(groups))
        runs = [self._retrieve(sub, {**(filters or {}), **extra}, per) for extra, sub in groups]
        merged = [d for group in zip_longest(*runs) for d in group if d is not None]
        for rank, d in enumerate(merged, start=1):
            d.metadata["rank"] = rank
        return merged

    def _header_chunks(self, analysis: QueryAnalysis, docs: list[Document]) -> list[Document]:
        """A document's date, number and signer are in its header and signature block, which rarely
        rank for the question's words: add them for the document(s) the question is about."""
        scope = self.index.docs_matching(analysis) or ({d.metadata.get("doc_id") for d in docs[:1]}
                                                       | ({d.metadata.get("doc_id") for d in docs[:4]}
                                                          if analysis.intent == "comparison" else set()))
        seen = {d.id for d in docs}
        out = []
        for chunk in self.index.chunks:
            meta = chunk.metadata
            if meta.get("doc_id") in scope and chunk.chunk_id not in seen and (
                    meta.get("chunk_index") == 0 or meta.get("kind") in {"preamble", "distribution"}):
                out.append(Document(id=chunk.chunk_id, page_content=chunk.text,
                                    metadata={**meta, "chunk_id": chunk.chunk_id, "rank": 99, "score": 0.0}))
        return out[:4]

    def _definition_chunks(self, analysis: QueryAnalysis, seen: set[str | None]) -> list[Document]:
        """Chunks that spell an abbreviation out ("… (PAPI)"), wherever they rank."""
        out = []
        from assistant.lexicon.facts import definition_terms

        for abbr in definition_terms(analysis.question):
            pattern = re.compile(r"\(\s*" + re.escape(abbr).replace(r"\ ", r"\s+") + r"\s*\)", re.IGNORECASE)
            for chunk in self.index.chunks:
                if chunk.chunk_id not in seen and pattern.search(chunk.text):
                    seen.add(chunk.chunk_id)
                    out.append(Document(id=chunk.chunk_id, page_content=chunk.text,
                                        metadata={**chunk.metadata, "chunk_id": chunk.chunk_id, "rank": 99,
                                                  "score": 0.0}))
                    if len(out) >= 2:
                        return out
        return out

    def _retrieve(self, analysis: QueryAnalysis, filters: dict[str, Any] | None, k: int) -> list[Document]:
        filters = {**(self.filters or {}), **(filters or {})}
        allowed = self._allowed(analysis, filters)
        if allowed is not None and not allowed.any():
            return []
        # dense
        vector = self.embeddings.embed_query(self.dense_query(analysis))
        where = chroma_where(filters)
        scoped = self.index.docs_matching(analysis)
        if scoped and not filters.get("doc_id"):
            scope = {"doc_id": {"$in": sorted(scoped)}}
            where = {"$and": [where, scope]} if where else scope
        dense = [(cid, s) for cid, s in self.index.store.search(vector, self.candidates, where)
                 if cid in self.index.position and (allowed is None or allowed[self.index.position[cid]])]
        # lexical
        tokens = query_tokens(" ".join([analysis.question, *analysis.expansions]), english=analysis.english)
        scores = self.index.bm25_scores(tokens)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        if scoped:
            in_scope = np.array([c.metadata.get("doc_id") in scoped for c in self.index.chunks])
            scores = np.where(in_scope, scores, 0.0)
        order = np.argsort(-scores)[: self.candidates]
        lexical = [self.index.chunks[i].chunk_id for i in order if scores[i] > 0]
        rankings = [[cid for cid, _ in dense], lexical]
        if analysis.intent == "who_leads":
            # a third ranking among passages that assign a role (chủ trì, phối hợp, …)
            role_scores = np.where(self.index.role_mask, scores, 0.0)
            role_order = np.argsort(-role_scores)[: self.candidates]
            rankings.append([self.index.chunks[i].chunk_id for i in role_order if role_scores[i] > 0])
        fused = rrf(rankings[:2], self.rrf_k)
        if len(rankings) > 2:
            # role passages enter below the fused top 5, so they widen the evidence without pushing
            # the best-matching sections down
            top = sorted(fused, key=lambda c: -fused[c])[:5]
            floor = min((fused[c] for c in top), default=0.0)
            for rank, cid in enumerate(rankings[2], start=1):
                if cid not in top:
                    fused[cid] = max(fused.get(cid, 0.0), floor * 0.99 - rank * 1e-6)
        dense_score = dict(dense)
        order = sorted(fused, key=lambda c: -fused[c])
        ranked = _with_heads(order, rankings[:2], k, self.heads)
        moved = set(ranked[:5]) - set(order[: min(k, 5)])
        docs = []
        for rank, cid in enumerate(ranked, start=1):
            chunk = self.index.chunks[self.index.position[cid]]
            pos = self.index.position[cid]
            docs.append(Document(
                id=cid,
                page_content=chunk.text,
                metadata={**chunk.metadata, "chunk_id": cid, "rank": rank, "score": round(fused[cid], 6),
                          "dense_score": round(dense_score.get(cid, 0.0), 4),
                          "bm25_score": round(float(scores[pos]), 4),
                          # a ranker's first passage moved up past fused scores above its own
                          "head": cid in moved},
            ))
        return docs

    def _allowed(self, analysis: QueryAnalysis, filters: dict[str, Any]) -> np.ndarray | None:
        if not filters:
            return None
        mask = np.ones(len(self.index.chunks), dtype=bool)
        for key, value in filters.items():
            if value in (None, ""):
                continue
            mask &= np.array([c.metadata.get(key) == value for c in self.index.chunks])
        return mask
