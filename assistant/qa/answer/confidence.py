"""Calibrated confidence: whether a drafted answer may state its fact, or should only show the passages.

The answerer always drafts its best answer. What it may *say* depends on how likely that answer is to
be right, and the hand-set scores cannot tell: a coverage of 0.7 means something else for a who-leads
question on a plan with lead/partner lines than for a yes/no question on a decree. So the probability
comes from a logistic model trained on answers to the tune halves of the question sets, each labelled
right or wrong by the eval scorer (``python -m evals.train_confidence`` writes
``qa/answer/data/confidence.json``: feature names, scaling, weights, the threshold and how they were
chosen). The features (:func:`signals`) describe the question (what it asks, how it is written), the
retrieval (scores and rank of the cited section) and the choice (support, margin over a rival fact).

Below the threshold the answer states nothing: it says it is not sure and quotes the best passages,
with their citations (:func:`unsure`). ``abstained`` stays for "nothing relevant found".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from langchain_core.documents import Document

from assistant.lexicon.text import fold
from assistant.qa.analyse import QueryAnalysis
from assistant.qa.answer.corpus import tokens
from assistant.qa.answer.coverage import Coverage
from assistant.qa.answer.model import Answer, Evidence, load_model_data

UNSURE_PREFIX = "Chưa đủ chắc chắn để nêu một câu trả lời."
PASSAGES_LEAD = "Các đoạn sau có thể trả lời câu hỏi:"
PLACES_MISSING_NOTE = ("Câu hỏi nêu một tỉnh, thành phố chưa có văn bản nào trong kho tài liệu; "
                       "các đoạn dưới đây là của nơi khác.")
#: The question types the model knows; any other counts as "general".
INTENTS = ("who_leads", "deadline", "target", "list", "yes_no", "definition", "comparison", "general")
#: How many passages an unsure answer quotes.
UNSURE_PASSAGES = 3


def signals(analysis: QueryAnalysis, docs: list[Document], answer: Answer,
            trace: dict[str, float] | None = None) -> dict[str, float]:
    """The features of one drafted answer (all floats; absent ones are 0)."""
    out: dict[str, float] = {f"intent_{i}": float(analysis.intent == i) for i in INTENTS}
    if analysis.intent not in INTENTS:
        out["intent_general"] = 1.0
    question = analysis.question
    out.update(
        english=float(analysis.english),
        no_diacritics=float(fold(question) == question.lower() and not analysis.english),
        asks_year=float(bool(analysis.years)),
        relation=float(bool(analysis.relation)),
        question_words=math.log1p(len(question.split())),
        support=answer.support,
        tables=float(answer.intent == "commitments"),
        citations=float(len(answer.citations)),
        cited_docs=float(len({c.doc_id for c in answer.citations})),
    )
    out.update(_retrieval(docs, answer))
    for key, value in (trace or {}).items():
        out[key] = float(value)
    for key in ("n_candidates", "n_supported"):
        if key in out:
            out[key] = math.log1p(out[key])
    return out


def _retrieval(docs: list[Document], answer: Answer) -> dict[str, float]:
    """How the retriever ranked what the answer cites."""
    if not docs:
        return {}
    # (not the BM25 scores or the number of documents: their scale is the corpus's, not the answer's)
    top = docs[0].metadata
    out = {"top_dense": float(top.get("dense_score", 0.0))}
    cited = {c.chunk_id for c in answer.citations}
    ranks = [i for i, d in enumerate(docs, start=1) if d.metadata.get("chunk_id", d.id) in cited]
    if ranks:
        first = docs[ranks[0] - 1].metadata
        out.update(cited_rank=1.0 / ranks[0], cited_dense=float(first.get("dense_score", 0.0)),
                   cited_top_doc=float(first.get("doc_id") == top.get("doc_id")))
    return out


def evidence_signals(analysis: QueryAnalysis, best: Evidence, terms: list[str], coverage: Coverage) -> dict[str, float]:
    """How well the chosen sentence fits the question by itself: its own coverage (without context),
    the question's words that its whole section lacks (the rarest one and their weighted share: a name or
    a figure asked about that the text never gives), whether the fact merely repeats the question, and
    whether the role asked (chủ trì, phối hợp, …) is the one the sentence gives."""
    meta = best.doc.metadata
    around = set(tokens(f"{best.doc.page_content} {meta.get('section', '')} {meta.get('title', '')}"))
    missing = [t for t in terms if t not in around]
    total = sum(coverage.weight(t) for t in terms) or 1.0
    rarest = max((coverage.weight(t) for t in missing), default=0.0)
    sentence = fold(best.sentence)
    fact = fold(best.fact or "")
    return {
        "sentence_coverage": coverage(terms, best.sentence, ""),
        "missing_share": sum(coverage.weight(t) for t in missing) / total,
        "missing_rarest": rarest / coverage.max_weight,
        "fact_in_question": float(bool(fact) and fact in fold(analysis.question)),
        "has_fact": float(bool(best.fact)),
        "role_in_sentence": float(any(fold(r) in sentence for r in analysis.roles)) if analysis.roles else 0.5,
        "sentence_chars": math.log1p(len(best.sentence)),
        "governed": float(bool(best.governors)),
    }


@dataclass(frozen=True)
class ConfidenceModel:
    """A logistic model over :func:`signals`: ``probability(signals)`` and the ``threshold`` to state."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float

    def probability(self, feats: dict[str, float]) -> float:
        z = self.bias
        for name, mu, sd, w in zip(self.features, self.mean, self.scale, self.weights, strict=True):
            z += w * (feats.get(name, 0.0) - mu) / sd
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConfidenceModel:
        return cls(tuple(data["features"]), tuple(data["mean"]), tuple(data["scale"]), tuple(data["weights"]),
                   float(data["bias"]), float(data["threshold"]))

    @classmethod
    def load(cls, path: Path | None = None) -> ConfidenceModel:
        """The model in ``path``, or the one shipped with the package."""
        return cls.from_dict(load_model_data("confidence.json", path))


@cache
def shipped_model() -> ConfidenceModel | None:
    """The packaged model, read once; None before one has been trained."""
    try:
        return ConfidenceModel.load()
    except FileNotFoundError:
        return None


def judge(answer: Answer, feats: dict[str, float], model: ConfidenceModel | None,
          threshold: float | None = None) -> Answer:
    """Set ``confidence`` and ``confident`` on a drafted answer; below the threshold, make it unsure."""
    answer.signals = feats
    if answer.abstained:
        answer.confident = False
        return answer
    if model is None:
        return answer
    answer.confidence = round(model.probability(feats), 4)
    answer.confident = answer.confidence >= (model.threshold if threshold is None else threshold)
    if feats.get("places_missing"):
        # the question names a province the store has no document of: whatever was found is another
        # place's, however sure the model is of it
        answer.confident = False
        return unsure(answer, PLACES_MISSING_NOTE)
    if not answer.confident:
        unsure(answer)
    return answer


def unsure(answer: Answer, note: str | None = None) -> Answer:
    """The answer without its statement: a plain "not sure" (and why, when known) and the best cited
    passages, verbatim."""
    citations = answer.citations[:UNSURE_PASSAGES]
    lines = [UNSURE_PREFIX, *([note] if note else []), "", PASSAGES_LEAD]
    for c in citations:
        label = f"{c.title} ({c.so_hieu})" if c.so_hieu else c.title
        lines.append(f"- [{c.n}] {label}, {c.section}: “{c.text}”")
    answer.answer = "\n".join(lines)
    answer.citations = citations
    answer.confident = False
    return answer
