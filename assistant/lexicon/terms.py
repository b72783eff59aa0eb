"""The extractive answerer's word units and their rarity over the corpus (IDF).

They live in the lexicon stage, below both the index and the answerer, so that ingest can compute the IDF
once per index generation and save it with the lexical tables (:mod:`assistant.index.lexical`) instead of
every start re-tokenising every chunk; the answerer (:mod:`assistant.qa.answer.corpus`) re-exports them.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from functools import lru_cache

from assistant.lexicon.gazetteer import ABBREVIATIONS, SYNONYMS, canonical_terms
from assistant.lexicon.text import strip_diacritics, syllables

#: Bump when :func:`tokens` or :func:`build_idf` change what they produce, so that IDF tables saved by an
#: older version are rebuilt (the abbreviations and synonyms they fold are fingerprinted themselves).
TERMS_VERSION = 1


def tokens(text: str) -> list[str]:
    """Folded syllables with the domain's long forms collapsed to their abbreviations."""
    return list(_tokens_cached(text))


@lru_cache(maxsize=8192)
def _tokens_cached(text: str) -> tuple[str, ...]:
    return tuple(canonical_terms(" ".join(strip_diacritics(s) for s in syllables(text))).split())


def build_idf(texts: list[str]) -> dict[str, float]:
    """Smoothed inverse document frequency of folded syllables over the indexed chunks."""
    df: Counter[str] = Counter()
    for text in texts:
        df.update(set(tokens(text)))
    n = max(1, len(texts))
    return {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}


@lru_cache(maxsize=1)
def terms_fingerprint() -> str:
    """What :func:`tokens` depends on beyond the code: the version and the vocabulary it folds."""
    vocabulary = {"abbreviations": {k: list(v) for k, v in ABBREVIATIONS.items()},
                  "synonyms": {k: list(v) for k, v in SYNONYMS.items()}}
    blob = json.dumps([TERMS_VERSION, vocabulary], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()
