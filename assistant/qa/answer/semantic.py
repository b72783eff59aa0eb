"""Coverage by meaning for English questions.

Lexical overlap between an English question and Vietnamese text rests only on the glossary terms the
query analysis adds, which can mislead; so the sentences of the top sections are also compared with
the question by the multilingual embedding model, and the two supports are combined. Embeddings are
cached between questions (the parts of a multi-part question compare the same sentences again).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from assistant.qa.analyse import QueryAnalysis, query_text
from assistant.qa.answer.model import Evidence
from assistant.qa.answer.weights import SEMANTIC_CHARS, SEMANTIC_POOL, VECTOR_CACHE, WEIGHTS, Weights


class SemanticScorer:
    """Re-scores the evidence of an English question with the embedding model's similarity."""

    def __init__(self, embeddings: Any, weights: Weights = WEIGHTS) -> None:
        self.embeddings = embeddings
        self.weights = weights
        #: sentence (and question) embeddings already computed
        self._vectors: dict[str, Any] = {}

    def rescore(self, analysis: QueryAnalysis, evidence: list[Evidence]) -> None:
        """Replace the coverage of the top sections' sentences by the lexical and semantic support together
        (and shift their score by the same amount)."""
        w = self.weights
        pool = _pool(evidence)
        q = self._query_vector(query_text(analysis))
        # the start of a long sentence says what it is about; the model's cost grows with its length
        texts = [e.sentence[:SEMANTIC_CHARS] for e in pool]
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        fresh = dict(zip(missing, np.asarray(self.embeddings.embed_documents(missing)), strict=True)) if missing else {}
        self._remember(fresh)
        vecs = np.stack([fresh[t] if t in fresh else self._vectors[t] for t in texts])
        sims = vecs @ q
        for e, sim in zip(pool, sims, strict=True):
            semantic = float(np.clip((sim - w.semantic_floor) / w.semantic_span, 0.0, 1.0))
            # glossary terms (lexical) and meaning (semantic) together; either alone can mislead
            combined = w.semantic_mix * (semantic + e.coverage) if e.coverage > 0 else w.semantic_only * semantic
            e.score += combined - e.coverage
            e.coverage = combined
            e.parts.update(semantic=semantic, hand_score=e.score)

    def _query_vector(self, text: str) -> Any:
        key = "\0q" + text
        vec = self._vectors.get(key)
        if vec is None:
            vec = np.asarray(self.embeddings.embed_query(text))
            self._remember({key: vec})
        return vec

    def _remember(self, vectors: dict[str, Any]) -> None:
        if len(self._vectors) + len(vectors) > VECTOR_CACHE:
            self._vectors = {}  # a new dict, so a concurrent reader keeps the one it holds
        self._vectors.update(vectors)


def _pool(evidence: list[Evidence]) -> list[Evidence]:
    """The sentences of the three best-ranked sections; when too many, those of the best section and
    those with the most glossary words in common (embedding costs ~10 ms a sentence on 2 cores: the rest
    keep their lexical score)."""
    ranked_docs: list[Any] = []
    for e in evidence:
        if e.doc not in ranked_docs:
            ranked_docs.append(e.doc)
    top_docs = {id(d) for d in ranked_docs[:3]}
    pool = [e for e in evidence if id(e.doc) in top_docs]
    if len(pool) > SEMANTIC_POOL:
        first = ranked_docs[0]
        keep = {id(e) for e in pool if e.doc is first}
        for e in sorted(pool, key=lambda e: -e.coverage):
            if len(keep) >= SEMANTIC_POOL:
                break
            keep.add(id(e))
        pool = [e for e in pool if id(e) in keep]
    return pool
