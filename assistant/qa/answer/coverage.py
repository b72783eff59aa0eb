"""How much of a question a sentence covers: the IDF-weighted share of the question's content words found
in the sentence (or, for less, in its context), plus a bonus for the question's adjacent word pairs found
together. This one number is what evidence is ranked by and what the abstention threshold is compared with.
"""

from __future__ import annotations

from assistant.qa.answer.corpus import tokens
from assistant.qa.answer.weights import WEIGHTS, Weights


class Coverage:
    """``coverage(terms, sentence, context)`` in [0, 1]; the IDF of the corpus weighs each term."""

    def __init__(self, idf: dict[str, float], weights: Weights = WEIGHTS) -> None:
        self.idf = idf
        self.weights = weights
        #: A word the corpus never uses weighs as much as its rarest word.
        self._unknown = max(idf.values(), default=1.0)

    @property
    def max_weight(self) -> float:
        """The weight of the rarest word (and of a word the corpus never uses)."""
        return self._unknown

    def weight(self, term: str) -> float:
        return self.idf.get(term, self._unknown)

    def __call__(self, terms: list[str], sentence: str, context: str, ctx_weight: float | None = None) -> float:
        if not terms:
            return 0.0
        w = self.weights
        in_context = w.context_term if ctx_weight is None else ctx_weight
        sent = set(tokens(sentence))
        ctx = set(tokens(context))
        total = sum(self.weight(t) for t in terms)
        got = sum(self.weight(t) * (1.0 if t in sent else in_context if t in ctx else 0.0) for t in terms)
        # adjacent pairs of the question found together count extra (phrases, not bags of words)
        pairs = list(zip(terms, terms[1:], strict=False))
        joined = " ".join(tokens(sentence + " " + context))
        pair_hits = sum(1 for a, b in pairs if f"{a} {b}" in joined) / len(pairs) if pairs else 0.0
        return w.word_share * got / total + w.pair_share * pair_hits if pairs else got / total
