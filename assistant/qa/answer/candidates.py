"""Candidate evidence: every sentence of the retrieved sections, scored as the answer to the question.

A sentence's *coverage* is how much of the question's content it (and its context) covers, corrected
for what the question pins down: the indicator asked about, the target year, a fact the question's
frame points at (a signature, the document's own date or number). Its *score* adds whether it holds
the kind of fact asked (see :mod:`.facts`), its section's retrieval rank and, for dates, whether the
date is labelled with the question's own words. Selection (:mod:`.selection`) reads both.
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.documents import Document

from assistant.lexicon.text import fold, split_sentences
from assistant.qa.answer.corpus import CorpusView, tokens
from assistant.qa.answer.coverage import Coverage
from assistant.qa.answer.facts import FactFinder, row_years
from assistant.qa.answer.layout import lines_with_governors
from assistant.qa.answer.model import Evidence
from assistant.qa.answer.question import Asked, negated_only
from assistant.qa.answer.semantic import SemanticScorer
from assistant.qa.answer.weights import YEAR_LOOKBACK, Weights

#: Shorter "sentences" (list markers, stray fragments) are not evidence.
MIN_SENTENCE = 12

_SELF_REFERENCE = re.compile(r"\b(?:Kế hoạch|Quyết định|Đề án|Chỉ thị|Nghị định|Chương trình|Thông tư|Văn bản)\s+này\b",
                             re.IGNORECASE)
_SIGNATURE = re.compile(r"Người ký|CHỦ TỊCH|GIÁM ĐỐC|\b(?:TM|KT)\.")
_TARGET_YEAR = re.compile(r"(?:đến|tới|trước|cuối|hết|định hướng đến)\s+(?:năm\s+)?(20\d\d)\b",
                          re.IGNORECASE)
_WEEKDAY_LINE = re.compile(r"^\s*(?:Thứ\s+(?:\d|hai|ba|tư|năm|sáu|bảy)|Chủ\s+nhật)\s*,", re.IGNORECASE)
_PLACE_DATE_LINE = re.compile(r"^\s*[A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){0,3},\s+ngày\s+\d{1,2}\s+tháng\s+\d{1,2}"
                              r"\s+năm\s+\d{4}\s*$")


class EvidenceFinder:
    """``candidates(asked, docs, terms)``: the scored sentences of ``docs``, best first."""

    def __init__(self, corpus: CorpusView, coverage: Coverage, facts: FactFinder,
                 semantic: SemanticScorer | None) -> None:
        self.corpus = corpus
        self.coverage = coverage
        self.facts = facts
        self.semantic = semantic
        self.weights: Weights = coverage.weights

    def candidates(self, asked: Asked, docs: list[Document], terms: list[str],
                   focus_terms: list[str] | None = None) -> list[Evidence]:
        """``terms`` are the question's content words; ``focus_terms`` those of the part being answered."""
        out: list[Evidence] = []
        for rank, doc in enumerate(docs, start=1):
            for line, line_start, governors in lines_with_governors(doc.page_content):
                out += self._line(asked, doc, rank, (line, line_start, governors), terms, focus_terms)
        if asked.analysis.english and self.semantic is not None and out:
            self.semantic.rescore(asked.analysis, out)
        out.sort(key=lambda e: -e.score)
        return out

    def _line(self, asked: Asked, doc: Document, rank: int, where: tuple[str, int, list[str]], terms: list[str],
              focus_terms: list[str] | None) -> list[Evidence]:
        line, line_start, governors = where
        meta = doc.metadata
        context = f"{meta.get('section', '')} {meta.get('province', '')}" + " " + " ".join(governors)
        out = []
        cursor = 0
        for sentence in split_sentences(line):
            at = line.find(sentence, cursor)
            cursor = at + len(sentence) if at >= 0 else cursor
            if len(sentence) < MIN_SENTENCE:
                continue
            if asked.names_document and _SELF_REFERENCE.search(sentence):
                # "phổ biến Kế hoạch này": the document itself, which the question names by its title
                # (the title stays in the context of the line's later sentences too)
                context = f"{context} {meta.get('title', '')}"
            out.append(self._evidence(asked, doc, rank, where, at, sentence, context, terms, focus_terms))
        return out

    def _evidence(self, asked: Asked, doc: Document, rank: int, where: tuple[str, int, list[str]], at: int,
                  sentence: str, context: str, terms: list[str], focus_terms: list[str] | None) -> Evidence:
        line, line_start, governors = where
        meta = doc.metadata
        w = self.weights
        pos = int(meta.get("start", 0)) + line_start + max(at, 0)
        rows = self.corpus.targets_in(meta.get("doc_id", ""), pos, pos + len(sentence)) \
            if asked.intent == "target" and at >= 0 else {}
        cov = self._covered(asked, sentence, context, governors, terms, focus_terms)
        words = cov
        year = 1.0
        if asked.analysis.years:
            year = self.year_factor(asked.analysis.years, meta, line_start, sentence, context,
                                    row_years(rows.values()))
            cov *= year
        row = (line, int(meta.get("start", 0)) + line_start) if " | " in line else None
        fact, fact_cov = self.facts.find(asked, sentence, doc, governors, terms, context,
                                         {k - pos: r for k, r in rows.items()}, row)
        before_floor = cov
        if fact:
            cov = self._frame_floor(asked, fact, fact_cov, sentence, governors, meta, cov)
        framed = float(cov > before_floor)
        label = date_label_bonus(asked, sentence, w) if fact and asked.intent == "deadline" else 0.0
        if fact_cov is not None:
            cov = fact_cov if asked.intent == "definition" else min(cov, fact_cov)
        if asked.affirmed_pairs and negated_only(asked.affirmed_pairs, f"{context} {sentence}"):
            cov *= w.negated_scope  # "… không giữ chức vụ lãnh đạo, quản lý" for a question about leaders
        score = cov + (w.fact_bonus if fact else w.no_fact_penalty if fact is None else 0.0) + w.rank_bonus / rank \
            + label
        parts = {"words": words, "year_factor": year, "framed": framed, "date_label": label, "rank": float(rank),
                 "fact_coverage": -1.0 if fact_cov is None else fact_cov, "first_in_line": float(at <= 0),
                 "hand_score": score}
        return Evidence(doc, line, line_start, sentence, cov, score, fact, governors, parts=parts)

    def _covered(self, asked: Asked, sentence: str, context: str, governors: list[str], terms: list[str],
                 focus_terms: list[str] | None) -> float:
        """The sentence's coverage of the question (of its part, when answering one part)."""
        w = self.weights
        cov = self.coverage(terms, sentence, context)
        if focus_terms:
            # one part of a multi-part question: its own words say which sentence answers it
            cov = w.whole_question_share * cov + w.part_share * self.coverage(focus_terms, sentence, context)
        if asked.anchors and not asked.anchors <= set(tokens(sentence + " " + " ".join(governors))):
            cov *= w.missing_anchor  # the indicator asked about (PCI, SIPAS, …) is not what this says
        return cov

    def _frame_floor(self, asked: Asked, fact: str, fact_cov: float | None, sentence: str, governors: list[str],
                     meta: dict[str, Any], cov: float) -> float:
        """A fact the question's frame points at counts as covering it, whatever the words in common."""
        floor = self.weights.frame_floor
        if asked.signer and _SIGNATURE.search(sentence + " ".join(governors)):
            cov = max(cov, floor)  # "ai ký": the name in the signature block or the "Người ký" field
        if fact_cov == 1.0 and asked.intent == "deadline":
            cov = max(cov, floor)  # the document's own date, asked for by "ban hành ngày nào"
        analysis = asked.analysis
        if analysis.relation == "docref" and not analysis.doc_numbers and meta.get("so_hieu") \
                and meta["so_hieu"] in fact:
            cov = max(cov, floor)  # "văn bản đó mang số hiệu gì": the number of the document itself
        return cov

    def year_factor(self, years: list[int], meta: dict[str, Any], line_start: int, sentence: str,
                    context: str, target_years: list[int] | None = None) -> float:
        """Down-weight passages about another target year than the one asked ("đến năm 2025" vs 2030);
        a document that never mentions the year asked cannot answer for it. ``target_years`` are the
        years the commitments extractor gave the sentence's targets, which know baselines ("so với năm
        2025") and years carried from a heading or an earlier clause; the sentence's own words otherwise."""
        w = self.weights
        text = self.corpus.text(meta.get("doc_id", ""))
        if text and not all(str(y) in text for y in years):
            return 0.0
        period = meta.get("period", "")
        bounds = [int(y) for y in re.findall(r"\d{4}", period or "")]
        if bounds and all(y < min(bounds) for y in years) and not any(str(y) in sentence + context for y in years):
            return w.year_other  # a year before the document's period: only a passage that names it can say
        stated = target_years or [int(y) for y in _TARGET_YEAR.findall(sentence)]
        if stated and not any(y in years for y in stated):
            return w.year_other  # the sentence itself is about another year
        if not stated:
            pos = int(meta.get("start", 0)) + line_start
            found = _TARGET_YEAR.findall(text[max(0, pos - YEAR_LOOKBACK):pos])
            stated = [int(found[-1])] if found else []
        if stated:
            if any(y in years for y in stated):
                return w.year_match
            # another target year: weak evidence, and none when the year asked is outside the document's period
            return w.year_other_in_period if not bounds or year_in_range(years, period) else w.year_other
        if any(str(y) in sentence + context for y in years) or year_in_range(years, period):
            return w.year_in_scope
        return w.year_other if bounds else w.year_unknown  # a year outside the document's period, named nowhere near


def year_in_range(years: list[int], period: str) -> bool:
    """Is any asked year inside the document's period ("2021-2025", or a single year "2024")?"""
    bounds = [int(y) for y in re.findall(r"\d{4}", period or "")]
    return bool(bounds) and any(min(bounds) <= y <= max(bounds) for y in years)


def date_label_bonus(asked: Asked, sentence: str, w: Weights) -> float:
    """Which of several dates a "ngày nào" question asks for: the one labelled with its own words
    ("Ngày có hiệu lực …" for "hiệu lực"), the signed date line ("Lai Châu, ngày 20 tháng 9 năm 2021")
    for "ban hành"/"ký"; never the web page's "Thứ 7, Ngày 26/10/2024" publication stamp."""
    if _WEEKDAY_LINE.match(sentence):
        return w.weekday_stamp
    focus, folded = asked.focus, fold(sentence)
    bonus = 0.0
    for label in ("hieu luc", "ban hanh", "thong qua", "ky"):
        if re.search(rf"\b{label}\b", focus) and re.search(rf"\b{label}\b", folded):
            bonus = w.date_label
    if re.search(r"\bban hanh\b|\bthong qua\b|\bky\b|issued|adopted|signed", focus) and _PLACE_DATE_LINE.match(sentence):
        bonus = w.date_line  # the document's own dated line, over a website's "Ngày ban hành" field
    return bonus
