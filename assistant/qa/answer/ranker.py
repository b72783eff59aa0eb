"""The learned answer selector: which candidate sentence answers, from data instead of hand-set weights.

The hand-set score (:mod:`.candidates`) adds coverage, a fact bonus and a rank bonus with weights tuned on
the eleven documents the code was written on; on new layouts it picks a neighbouring sentence about half
the time. Here every candidate that holds the kind of fact asked is described by :func:`features` (the
parts of the hand score, the retrieval score of its section, where it sits in a list or a table, whether
it names the role asked, how it compares with the other candidates) and scored by a model trained on the
tune question sets (``python -m evals.train_selector`` writes ``qa/answer/data/selection.json``: a
gradient-boosted tree ensemble exported to plain arrays, or a logistic model, with its training figures).
The selector keeps the hand-set coverage as the abstention gate and lets the model order what passes it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.lexicon.text import fold
from assistant.qa.analyse import ROLES, QueryAnalysis
from assistant.qa.answer.corpus import tokens
from assistant.qa.answer.coverage import Coverage
from assistant.qa.answer.model import Evidence, load_model_data

#: The question types the model tells apart; any other counts as "general".
INTENTS = ("who_leads", "deadline", "target", "list", "yes_no", "definition", "comparison", "general")
_LIST_ITEM = re.compile(r"^\s*(?:[-+•*–]|[a-zđ]\)|\d{1,2}(?:\.\d{1,2})*[.)]|[IVXL]{1,5}\.)\s")
_ALL_ROLES = tuple(dict.fromkeys(ROLES.values()))


def features(analysis: QueryAnalysis, evidence: list[Evidence], terms: list[str],
             coverage: Coverage) -> list[dict[str, float]]:
    """One feature dict per candidate of one question (``evidence`` as the finder returned it)."""
    if not evidence:
        return []
    question = _question_features(analysis)
    best_score = max(e.score for e in evidence)
    best_cov = max(e.coverage for e in evidence)
    top_doc = evidence and min(evidence, key=lambda e: e.parts.get("rank", 99.0)).doc.metadata.get("doc_id")
    dense = [float(e.doc.metadata.get("dense_score", 0.0)) for e in evidence]
    top_dense = max(dense)
    order = {id(e): i for i, e in enumerate(sorted(evidence, key=lambda e: -e.score))}
    missing_by_chunk: dict[str, float] = {}
    folded_question = fold(analysis.question)
    asked_roles = [fold(r) for r in analysis.roles]
    out = []
    for e, d in zip(evidence, dense, strict=True):
        chunk = e.doc.metadata.get("chunk_id", e.doc.id) or ""
        if chunk not in missing_by_chunk:
            missing_by_chunk[chunk] = _missing_share(e, terms, coverage)
        sentence = fold(e.sentence)
        fact = fold(e.fact or "")
        parts = e.parts
        row = dict(question)
        row.update(
            hand_score=parts.get("hand_score", e.score),
            coverage=e.coverage,
            words=parts.get("words", e.coverage),
            year_factor=parts.get("year_factor", 1.0),
            framed=parts.get("framed", 0.0),
            date_label=parts.get("date_label", 0.0),
            fact_coverage=parts.get("fact_coverage", -1.0),
            semantic=parts.get("semantic", -1.0),
            inv_rank=1.0 / parts.get("rank", 1.0),
            score_gap=e.score - best_score,
            coverage_gap=e.coverage - best_cov,
            score_order=1.0 / (1.0 + order[id(e)]),
            dense=d,
            dense_gap=d - top_dense,
            top_doc=float(e.doc.metadata.get("doc_id") == top_doc),
            sentence_coverage=coverage(terms, e.sentence, "") if terms else 0.0,
            missing_share=missing_by_chunk[chunk],
            has_fact=float(bool(e.fact)),
            fact_chars=math.log1p(len(e.fact or "")),
            fact_in_question=float(bool(fact) and fact in folded_question),
            sentence_chars=math.log1p(len(e.sentence)),
            first_in_line=parts.get("first_in_line", 1.0),
            governed=float(bool(e.governors)),
            list_item=float(bool(_LIST_ITEM.match(e.line))),
            table_row=float("|" in e.line),
            heading_like=float(e.line.rstrip().endswith(":") or (e.line.isupper() and len(e.line) < 200)),
            line_position=e.line_start / max(1, len(e.doc.page_content)),
            role_asked_here=(float(any(r in sentence for r in asked_roles)) if asked_roles else 0.5),
            role_asked_governor=(float(any(r in fold(" ".join(e.governors)) for r in asked_roles))
                                 if asked_roles else 0.5),
            any_role_here=float(any(r in sentence for r in _ALL_ROLES)),
        )
        out.append(row)
    return out


def _question_features(analysis: QueryAnalysis) -> dict[str, float]:
    intent = analysis.intent if analysis.intent in INTENTS else "general"
    out = {f"intent_{i}": float(intent == i) for i in INTENTS}
    out.update(english=float(analysis.english), asks_year=float(bool(analysis.years)),
               relation=float(bool(analysis.relation)), asks_role=float(bool(analysis.roles)),
               question_words=math.log1p(len(analysis.question.split())))
    return out


def _missing_share(e: Evidence, terms: list[str], coverage: Coverage) -> float:
    """The weighted share of the question's words that the candidate's whole section lacks."""
    meta = e.doc.metadata
    around = set(tokens(f"{e.doc.page_content} {meta.get('section', '')} {meta.get('title', '')}"))
    total = sum(coverage.weight(t) for t in terms) or 1.0
    return sum(coverage.weight(t) for t in terms if t not in around) / total


@dataclass(frozen=True)
class SelectionModel:
    """Scores candidates: a gradient-boosted tree ensemble (``kind = "trees"``) or a logistic model."""

    kind: str
    features: tuple[str, ...]
    data: dict[str, Any]

    def scores(self, rows: list[dict[str, float]]) -> np.ndarray:
        """The model's probability that each candidate holds the answer."""
        if not rows:
            return np.zeros(0)
        x = np.array([[row.get(f, 0.0) for f in self.features] for row in rows], dtype=np.float64)
        if self.kind == "linear":
            z = self.data["bias"] + ((x - np.asarray(self.data["mean"])) / np.asarray(self.data["scale"])) \
                @ np.asarray(self.data["weights"])
        else:
            z = np.full(len(rows), float(self.data["init"]))
            for tree in self.data["trees"]:
                z += self.data["learning_rate"] * _walk(tree, x)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SelectionModel:
        """The model as saved; a tree ensemble's node lists become arrays here, once."""
        data = dict(data)
        if data["kind"] == "trees":
            data["trees"] = [{k: np.asarray(v) for k, v in t.items()} for t in data["trees"]]
        return cls(data["kind"], tuple(data["features"]), data)

    @classmethod
    def load(cls, path: Path | None = None) -> SelectionModel:
        """The model in ``path``, or the one shipped with the package."""
        return cls.from_dict(load_model_data("selection.json", path))


def _walk(tree: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """The leaf value of every row of ``x`` in one regression tree (arrays as sklearn's ``tree_``)."""
    node = np.zeros(len(x), dtype=np.int64)
    left, right, feature, threshold = tree["left"], tree["right"], tree["feature"], tree["threshold"]
    while True:
        inner = left[node] >= 0
        if not inner.any():
            return tree["value"][node]
        idx = np.nonzero(inner)[0]
        n = node[idx]
        go_left = x[idx, feature[n]] <= threshold[n]
        node[idx] = np.where(go_left, left[n], right[n])


@cache
def shipped_selector() -> SelectionModel | None:
    """The packaged model, read once; None before one has been trained (the hand-set score then ranks)."""
    try:
        return SelectionModel.load()
    except FileNotFoundError:
        return None


def rerank(model: SelectionModel | None, analysis: QueryAnalysis, evidence: list[Evidence], terms: list[str],
           coverage: Coverage) -> list[Evidence]:
    """``evidence`` ordered by the model (each ``score`` replaced by its probability; the hand score stays
    in ``parts``), the candidates without the fact asked last, as before. Unchanged without a model."""
    if model is None or not evidence:
        return evidence
    rows = features(analysis, evidence, terms, coverage)
    probs = model.scores(rows)
    for e, p in zip(evidence, probs, strict=True):
        e.parts.setdefault("hand_score", e.score)
        e.score = float(p) if e.fact is not None else float(p) - 1.0
    return sorted(evidence, key=lambda e: -e.score)
