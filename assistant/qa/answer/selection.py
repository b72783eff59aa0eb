"""Which evidence answers: the best-scored sentence that holds the fact asked and covers the question at
least as much as the abstention threshold, plus the sentences that complete it (the other documents of a
comparison or of a question about no particular place, a second sentence of the same section).

A relation question ("theo đề nghị của ai", "mang số hiệu gì") that no sentence answers as such is
answered as its basic question type instead. Nothing selected means the answerer abstains.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from langchain_core.documents import Document

from assistant.qa.analyse import QueryAnalysis
from assistant.qa.answer.candidates import EvidenceFinder
from assistant.qa.answer.facts import same_date
from assistant.qa.answer.model import Evidence
from assistant.qa.answer.question import Asked
from assistant.qa.answer.ranker import SelectionModel, rerank
from assistant.qa.answer.weights import COMPARED_MAX, LIST_HEAD_WINDOW, OTHER_DOCS, SAME_SECTION_WINDOW

#: Question types whose answer is often completed by a second sentence of the same section.
_COMPLETED_BY_NEXT = {"list", "general", "yes_no", "target", "deadline"}
#: An entry into force on the day of signing, whose day is then the document's own date.
_FROM_SIGNING = re.compile(r"kể từ ngày (?:ký|ban hành)", re.IGNORECASE)
#: Question types where a sentence without a particular fact may still answer (from another document).
_ANY_SENTENCE = {"general", "list", "yes_no"}


class Selector:
    """``select(analysis, docs, terms)`` -> (the evidence to quote, the best support found)."""

    def __init__(self, finder: EvidenceFinder, threshold: float, model: SelectionModel | None = None) -> None:
        self.finder = finder
        self.threshold = threshold
        self.weights = finder.weights
        #: The learned model that orders the candidates (None: the hand-set score does).
        self.model = model
        #: Called with (analysis, candidates, terms) before they are ordered: how training data is collected.
        self.recorder: Callable[[QueryAnalysis, list[Evidence], list[str]], None] | None = None
        #: Whether a candidate's quote would list items, and whether its line heads a list of its own (items under
        #: it, not a sentence enumerating inline): set by the answerer, which knows the documents' lists.
        self.lists_items: Callable[[Evidence, list[str]], bool] | None = None
        self.heads_list: Callable[[Evidence], bool] | None = None

    def select(self, analysis: QueryAnalysis, docs: list[Document], terms: list[str],
               focus_terms: list[str] | None = None, trace: dict[str, float] | None = None,
               ) -> tuple[list[Evidence], float]:
        """The evidence that answers the question (empty when nothing supports an answer), and the
        best support found. ``focus_terms`` are the words of the part being answered, if any;
        ``trace``, when given, receives how contested the choice was (:func:`rivalry`)."""
        evidence = self.finder.candidates(Asked.of(analysis), docs, terms, focus_terms)
        if self.recorder is not None:
            self.recorder(analysis, evidence, focus_terms or terms)
        evidence = rerank(self.model, analysis, evidence, focus_terms or terms, self.finder.coverage)
        with_fact = [e for e in evidence if e.fact is not None]
        relation_fallback = bool(analysis.relation) and analysis.relation != "contact"
        if not with_fact and relation_fallback:
            # no sentence states the relation: answer as the basic question type instead
            return self._as_basic(analysis, docs, terms, focus_terms, trace)
        support = round(max((e.coverage for e in with_fact), default=0.0), 4)
        supported = [e for e in with_fact if e.coverage >= self.threshold]
        if trace is not None:
            trace.update(rivalry(evidence, supported))
        if not supported and with_fact and relation_fallback:
            got, basic_support = self._as_basic(analysis, docs, terms, focus_terms, trace)
            return got, max(support, basic_support)
        if not supported:
            return [], support
        if analysis.intent == "comparison":
            return _one_per_document(supported)[:COMPARED_MAX], support
        if analysis.intent == "list":
            supported = self._list_first(supported, focus_terms or terms)
        return self._complete(analysis, supported), support

    def _list_first(self, supported: list[Evidence], terms: list[str]) -> list[Evidence]:
        """A list question is answered by a list: when the best sentence lists nothing, a close line of its
        document that heads a list, with the items under it ("a) Hình thức khen thưởng" over a sentence of the
        criteria below it; a paragraph enumerating inline stays ranked as the sentence it is);
        of heads about as close, the innermost ("a) Hình thức …" over "2. Hình thức và tiêu chuẩn …")."""
        if self.lists_items is None or self.heads_list is None or self.lists_items(supported[0], terms):
            return supported
        best, w = supported[0], self.weights
        heads = [e for e in supported[1:1 + LIST_HEAD_WINDOW]
                 if e.doc.metadata.get("doc_id") == best.doc.metadata.get("doc_id") and not _governs(e, best)
                 and e.coverage >= best.coverage - w.list_head_gap and self.heads_list(e)]
        if not heads:
            return supported
        top = max(e.coverage for e in heads)
        head = max((e for e in heads if e.coverage >= top - w.list_heading_margin), key=lambda e: len(e.governors))
        return [head, *(e for e in supported if e is not head)]

    def _as_basic(self, analysis: QueryAnalysis, docs: list[Document], terms: list[str],
                  focus_terms: list[str] | None, trace: dict[str, float] | None) -> tuple[list[Evidence], float]:
        basic = replace(analysis, relation=None)
        if trace is not None:
            trace["relation_fallback"] = 1.0
        got, support = self.select(basic, docs, terms, focus_terms, trace)
        for e in got:
            e.analysis = e.analysis or basic
        return got, support

    def _complete(self, analysis: QueryAnalysis, supported: list[Evidence]) -> list[Evidence]:
        """The best sentence, with other documents' close ones when the question names no place or
        document, and a second sentence of its section when that often completes the answer."""
        w = self.weights
        best = supported[0]
        chosen = [best]
        if not (analysis.provinces or analysis.doc_numbers):
            for e in supported[1:]:
                if len({c.doc.metadata["doc_id"] for c in chosen}) >= OTHER_DOCS:
                    break
                if e.doc.metadata["doc_id"] in {c.doc.metadata["doc_id"] for c in chosen}:
                    continue
                close = e.coverage >= max(self.threshold + w.other_doc_margin, best.coverage - w.other_doc_gap)
                if close and (e.fact or analysis.intent in _ANY_SENTENCE):
                    chosen.append(e)
        if analysis.intent in _COMPLETED_BY_NEXT:
            extra = [e for e in supported[1:1 + SAME_SECTION_WINDOW] if e.doc.id == best.doc.id and e.line != best.line
                     and e.coverage >= best.coverage - w.same_section_gap and e not in chosen]
            chosen += extra[:1]
        if analysis.intent == "deadline" and _FROM_SIGNING.search(best.fact or ""):
            chosen += [e for e in [self._dated_line(best, supported)] if e is not None and e not in chosen]
        return chosen

    def _dated_line(self, best: Evidence, supported: list[Evidence]) -> Evidence | None:
        """"Có hiệu lực kể từ ngày ký": the sentence of the same document that gives the day it was signed
        (its dated line), so the answer says which day that is."""
        doc_id = best.doc.metadata.get("doc_id", "")
        own = self.finder.corpus.issued.get(doc_id, "")
        if not own:
            return None
        return next((e for e in supported if e.doc.metadata.get("doc_id") == doc_id and e.fact
                     and any(same_date(part, own) for part in e.fact.split("; "))), None)


def _governs(head: Evidence, e: Evidence) -> bool:
    """``head`` is a heading above ``e`` (a governing line, or a label of its section path): its list holds
    ``e`` itself, so it is a broader answer than ``e``, not a closer one."""
    line = head.line.strip()
    labels = e.doc.metadata.get("section", "").split(" › ")
    return line in (g.strip() for g in e.governors) or any(label and line.startswith(label) for label in labels)


def _one_per_document(supported: list[Evidence]) -> list[Evidence]:
    """A comparison: the best sentence of each document, best first."""
    chosen = [supported[0]]
    for e in supported[1:]:
        if e.doc.metadata["doc_id"] not in {c.doc.metadata["doc_id"] for c in chosen}:
            chosen.append(e)
    return chosen


def rivalry(evidence: list[Evidence], supported: list[Evidence]) -> dict[str, float]:
    """How contested the best candidate is, for the confidence model: its score and coverage, the
    margin over the best candidate stating a *different* fact, and how many candidates qualify."""
    if not supported:
        return {"n_candidates": float(len(evidence)), "n_supported": 0.0}
    best = supported[0]
    rival = next((e for e in supported[1:] if e.fact != best.fact and e.doc.id != best.doc.id), None) \
        or next((e for e in supported[1:] if e.fact != best.fact), None)
    return {
        "n_candidates": float(len(evidence)),
        "n_supported": float(len(supported)),
        "best_score": best.score,
        "best_coverage": best.coverage,
        "margin": best.score - rival.score if rival else 1.0,
        "coverage_margin": best.coverage - rival.coverage if rival else 1.0,
        "supported_docs": float(len({e.doc.metadata.get("doc_id") for e in supported})),
    }
