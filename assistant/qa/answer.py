"""The offline extractive answerer: reads the retrieved sections, finds the sentence(s) that answer
the question, states the answer first and quotes its evidence with citations; or abstains.

Nothing is generated that is not in a source: the direct answer is made of facts extracted from the
quoted sentence (an agency, a target with its qualifier, a time expression, a definition), and every
quote is an exact substring of the cited section.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from typing import Any

from langchain_core.documents import Document

from assistant.lexicon import facts as extract
from assistant.lexicon import relations
from assistant.lexicon.gazetteer import canonical_terms
from assistant.lexicon.text import fold, has_diacritics, split_sentences, strip_diacritics, syllables
from assistant.qa.analyse import (
    DURATION_Q,
    QueryAnalysis,
    detect_intent,
    detect_roles,
    query_text,
    translate_terms,
)

ABSTAIN_PREFIX = "Các tài liệu hiện có không nêu"
QUOTE_MAX = 700
# Cosine similarity between an English question and a Vietnamese sentence mapped to a 0–1 support.
SEMANTIC_FLOOR = 0.35
SEMANTIC_SPAN = 0.3
#: At most this many sentences of the top sections are embedded for an English question.
SEMANTIC_POOL = 40
#: ... and only their first characters.
SEMANTIC_CHARS = 300
#: Sentence embeddings kept between English questions (768 floats each).
VECTOR_CACHE = 4096

# Folded phrases and words that say what kind of question it is rather than what it is about.
_FRAME_PHRASES = [
    "bao nhieu", "chi tieu", "muc tieu", "chu tri", "phoi hop", "thuong truc", "tham muu", "phu trach",
    "chiu trach nhiem", "co quan nao", "don vi nao", "so nao", "ke hoach", "quyet dinh", "de an", "thoi han",
    "xep hang", "thu hang", "ty le", "phan tram", "toi thieu", "la gi", "nhu the nao", "the nao", "khi nao",
    "bao gio", "cho em hoi", "minh muon biet", "cu the", "hien nay", "duoc giao", "dinh nghia", "nghia la",
    "bao gom", "liet ke", "so sanh", "khac nhau", "la ai", "co phai", "phai khong", "dung khong", "it nhat",
    "giai doan", "dinh huong", "phan dau", "dat ra", "de ra", "mam muon", "cho minh hoi",
    "bao lau", "nghi dinh", "chi thi", "thong tu", "nghi quyet", "quy dinh",
]
# Folded single syllables that are function words in every reading (not "thể"/"the", "đó"/"do", "tổ"/"to").
_FRAME_WORDS = set(
    "ai nao gi la co khong cua cho em hoi minh muon biet voi duoc nhung cac va thi sao nhu ra o tai trong theo "
    "ve phai dung chua oi nhe vay nay ay khi gio tinh nam den toi dat gom may xiu".split()
)

@dataclass
class Citation:
    n: int
    chunk_id: str
    doc_id: str
    title: str
    so_hieu: str
    province: str
    section: str
    text: str
    start: int
    end: int


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    intent: str
    citations: list[Citation] = field(default_factory=list)
    contexts: list[dict[str, Any]] = field(default_factory=list)
    related: list[dict[str, str]] = field(default_factory=list)
    rewritten_question: str | None = None
    #: Coverage of the question by the best evidence (what the abstention threshold is compared with).
    support: float = 0.0
    #: Who wrote the statement: "extractive", or the LLM backend's name (see assistant.qa.llm.generate).
    backend: str = "extractive"
    #: The verifier's verdict on an LLM answer (None when no LLM was asked), and the sentences it removed.
    verified: bool | None = None
    dropped: list[dict[str, str]] = field(default_factory=list)
    #: not_requested | answered | fallback | skipped (abstention: the LLM is not asked)
    llm_status: str = "not_requested"
    #: Shown to the user when the LLM was asked but the extractive answer is shown instead.
    llm_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["citations"] = [asdict(c) for c in self.citations]
        return data


@dataclass
class _Evidence:
    doc: Document
    line: str
    line_start: int
    sentence: str
    coverage: float
    score: float
    fact: str | None
    governors: list[str] = field(default_factory=list)
    #: The (part of the) question this evidence answers, when the question asks several things.
    analysis: QueryAnalysis | None = None


def _tokens(text: str) -> list[str]:
    """Folded syllables with the domain's long forms collapsed to their abbreviations."""
    return list(_tokens_cached(text))


@lru_cache(maxsize=8192)
def _tokens_cached(text: str) -> tuple[str, ...]:
    return tuple(canonical_terms(" ".join(strip_diacritics(s) for s in syllables(text))).split())


def content_terms(analysis: QueryAnalysis) -> list[str]:
    """The folded syllables that say what the question is about (frame words and places removed)."""
    source = " ".join(analysis.expansions) if analysis.english else analysis.question
    place = set(_tokens(" ".join(analysis.provinces)))
    text = " ".join(_tokens(source))
    for phrase in _FRAME_PHRASES:
        text = re.sub(rf"(?<!\w){phrase}(?!\w)", " | ", text)
    years = {str(y) for y in analysis.years}
    terms = [t for t in text.split() if t != "|" and t not in _FRAME_WORDS and t not in place and t not in years
             and not (t.isdigit() and len(t) > 2)]
    return list(dict.fromkeys(terms))


def part_analysis(analysis: QueryAnalysis, part: str) -> QueryAnalysis:
    """The analysis of one clause of a multi-part question: its own intent, roles and relation; the
    whole question's places, documents and years."""
    intent = detect_intent(part)
    if intent == "general":
        intent = analysis.intent
    return replace(analysis, intent=intent, sub_intent=intent, focus=part,
                   roles=detect_roles(part) or analysis.roles,
                   relation=relations.relation_of(part, analysis.question))


class ExtractiveAnswerer:
    """Answers from retrieved ``Document``s; ``threshold`` is the minimum weighted term coverage."""

    def __init__(self, idf: dict[str, float], threshold: float = 0.5, provinces: list[str] | None = None,
                 outline: dict[str, list[str]] | None = None, texts: dict[str, str] | None = None,
                 embeddings: Any = None, issued: dict[str, str] | None = None,
                 targets: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.idf = idf
        self.threshold = threshold
        self.provinces = provinces or []
        #: doc_id -> section paths in document order, to list a heading's sub-sections.
        self.outline = outline or {}
        #: doc_id -> canonical text, to find the target year a passage falls under.
        self.texts = texts or {}
        #: For English questions, lexical overlap with Vietnamese text says little: sentences of the
        #: top sections are then compared with the question by the (multilingual) embedding model.
        self.embeddings = embeddings
        #: doc_id -> date issued (YYYY-MM-DD), so "ban hành ngày nào" picks the document's own date
        self.issued = issued or {}
        #: sentence (and question) embeddings already computed, for English questions
        self._vectors: dict[str, Any] = {}
        #: doc_id -> the targets the commitments extractor read (by value offset in the canonical text):
        #: their year is the target year ("so với năm 2025" is a baseline, "Đến năm 2030, …" carries
        #: over the clauses below it) and their indicator says what the number measures.
        #: doc_id -> the body a decree on one body's duties is about (None: not such a document)
        self._subjects: dict[str, str | None] = {}
        self._targets = {doc_id: sorted(((int(r["value_start"]), r) for r in rows), key=lambda x: x[0])
                         for doc_id, rows in (targets or {}).items()}

    # -- scoring ----------------------------------------------------------------------------------
    def _targets_in(self, doc_id: str, lo: int, hi: int) -> dict[int, dict[str, Any]]:
        """Extracted targets whose value starts in ``[lo, hi)`` of the document's text, by offset."""
        rows = self._targets.get(doc_id)
        if not rows:
            return {}
        i = bisect.bisect_left(rows, lo, key=lambda x: x[0])
        out = {}
        while i < len(rows) and rows[i][0] < hi:
            out[rows[i][0]] = rows[i][1]
            i += 1
        return out

    def _weight(self, term: str) -> float:
        return self.idf.get(term, max(self.idf.values(), default=1.0))

    def _coverage(self, terms: list[str], sentence: str, context: str, ctx_weight: float = 0.6) -> float:
        if not terms:
            return 0.0
        sent = set(_tokens(sentence))
        ctx = set(_tokens(context))
        total = sum(self._weight(t) for t in terms)
        got = sum(self._weight(t) * (1.0 if t in sent else ctx_weight if t in ctx else 0.0) for t in terms)
        # adjacent pairs of the question found together count extra (phrases, not bags of words)
        pairs = list(zip(terms, terms[1:], strict=False))
        joined = " ".join(_tokens(sentence + " " + context))
        pair_hits = sum(1 for a, b in pairs if f"{a} {b}" in joined) / len(pairs) if pairs else 0.0
        return 0.6 * got / total + 0.4 * pair_hits if pairs else got / total

    def _fact(self, analysis: QueryAnalysis, sentence: str, doc: Document, governors: list[str],
              terms: list[str], context: str, targets: dict[int, dict[str, Any]] | None = None,
              ) -> tuple[str | None, float | None]:
        """The fact that answers the question in ``sentence`` ('' when any sentence will do, None when
        this sentence cannot answer), and the coverage of the clause that holds it (or None).
        ``targets`` are the extracted targets of the sentence, by the offset of their value in it."""
        intent = analysis.sub_intent
        if analysis.relation:
            return self._relation_fact(analysis, sentence, doc.metadata.get("so_hieu", "")), None
        kind = target_kind(analysis)
        if kind == "money":
            found = extract.money(sentence)
            return (found[0].text, None) if found else (None, None)
        if _asks_person(analysis):
            found = extract.people(sentence)
            return (found[0].text, None) if found else (None, None)
        if sentence.count(" | ") >= 2 and intent in {"who_leads", "deadline"}:
            return _table_fact(intent, sentence), None
        if intent == "who_leads":
            hit = extract.agency_before_role(sentence) or extract.subject_agency(sentence)
            if hit:
                return hit.text, None
            for line in reversed(governors):  # "- Sở Tài chính chủ trì …:" above "+ task" lines
                hit = extract.agency_before_role(line) or next(iter(extract.agencies(line)), None)
                if hit and (extract.roles(line) or line.rstrip().endswith(":") or len(line) < 80):
                    return hit.text, None
            if extract.roles(sentence):
                heading = [a.text for a in extract.agencies(doc.metadata.get("section", ""))]
                if heading:
                    return heading[-1], None
            ags = extract.agencies(sentence)
            if ags and re.search(r"\b(?:do|giao cho|giao)\s+$", sentence[:ags[0].start]):
                return ags[0].text, None
            # a decree on one body's "chức năng, nhiệm vụ, quyền hạn": its tasks are that body's
            if not ags and re.search(r"nhiệm vụ|quyền hạn|chức năng", doc.metadata.get("section", ""), re.IGNORECASE):
                return self._subject_agency(doc.metadata), None
            return None, None
        if intent == "target":
            if asks_current_state(analysis) and not re.search(r"\bhiện\s+(?:nay|tại|có|đang)\b", sentence.lower()):
                return None, None  # a plan's targets do not say how things are now
            found = [f for f in extract.targets(sentence) if _kind_ok(kind, f.text)]
            if not found:
                return (None if asks_quantity(analysis) else ""), None
            rows = [(f, _target_at(targets or {}, f)) for f in found]
            if analysis.years:
                # of "80% by 2025; 90% by 2030" in one passage, the value for the year asked
                rows = [(f, r) for f, r in rows if set(_row_years([r])) & set(analysis.years)] or rows
            measured = measured_noun(analysis)
            best: list[tuple[float, str]] = []
            for f, row in rows:
                clause = _clause(sentence, f.start, f.end)
                cov = self._coverage(terms, clause, context, ctx_weight=0.35)
                if measured and not _measures(measured, (row or {}).get("indicator") or clause):
                    cov *= 0.7  # "bao nhiêu phần trăm hồ sơ …": this number measures something else
                best.append((cov, f.text))
            top = max(c for c, _ in best)
            facts = [t for c, t in best if c >= top - 0.05]
            return "; ".join(dict.fromkeys(facts)), top
        if intent == "deadline":
            focus = analysis.focus_folded
            if re.search(r"ngay nao|ngay bao nhieu|ban hanh (?:vao )?ngay|what date|issued on|when was|hieu luc"
                         r"|effective", focus):
                dates = extract.dates(sentence)
                own = self.issued.get(doc.metadata.get("doc_id", ""), "")
                if own and re.search(r"ban hanh|issued|\bky\b|signed", focus):
                    # the document's own date, not the dates of the documents it cites
                    dates = [d for d in dates if _same_date(d.text, own)] or \
                        ([d for d in dates if "ký" in d.text] if "hieu luc" in focus else [])
                return ("; ".join(dict.fromkeys(f.text for f in dates)), 1.0 if dates and own else None) \
                    if dates else (None, None)
            found = extract.durations(sentence) if DURATION_Q.search(focus) else extract.times(sentence)
            return ("; ".join(dict.fromkeys(f.text for f in found)), None) if found else (None, None)
        if intent == "definition":
            english_form = re.search(r"tieng anh|\benglish\b", analysis.focus_folded)
            for term in extract.definition_terms(analysis.question):
                d = extract.definition_of(term, sentence)
                if d and english_form and has_diacritics(d.text):
                    continue  # the English words asked for, not the Vietnamese name
                if d:
                    return f"{term}|{d.text}", 1.0
            return None, None
        return "", None

    def _subject_agency(self, meta: dict[str, Any]) -> str | None:
        """The body a document defines the duties of ("… chức năng, nhiệm vụ, quyền hạn … của Bộ Nội vụ"),
        spelled as in the document's text (titles may come lower-cased from the catalogue); once per document."""
        doc_id = meta.get("doc_id", "")
        if doc_id not in self._subjects:
            self._subjects[doc_id] = self._find_subject_agency(meta)
        return self._subjects[doc_id]

    def _find_subject_agency(self, meta: dict[str, Any]) -> str | None:
        m = re.search(r"chức năng,?\s+nhiệm vụ.*?\bcủa\s+(.+)$", meta.get("title", ""), re.IGNORECASE)
        found = extract.agencies(m.group(1)[:1].upper() + m.group(1)[1:]) if m else []
        if not found:
            return None
        name = found[0].text
        text = self.texts.get(meta.get("doc_id", ""), "")
        spelled = re.search(re.escape(name).replace(r"\ ", r"\s+"), text, re.IGNORECASE)
        return spelled.group(0) if spelled and spelled.group(0)[:1].isupper() else name[:1].upper() + name[1:]

    @staticmethod
    def _relation_fact(analysis: QueryAnalysis, sentence: str, own_number: str = "") -> str | None:
        """The fact for a relation question (document number, proposer, recipient, count, contact);
        ``own_number`` is the số hiệu of the document the sentence is from."""
        rel = analysis.relation
        found: list[extract.Found] = []
        if rel == "docref":
            # "which document guided plan 2943?": the plan the question names is not the answer, nor is
            # the document itself unless its own number is asked ("văn bản đó mang số hiệu gì")
            own_asked = re.search(r"so hieu|mang so|ky hieu|\bnumber\b", analysis.focus_folded)
            found = [f for f in relations.doc_refs(sentence)
                     if re.match(r"\d+", f.text).group(0).lstrip("0") not in analysis.doc_numbers
                     and (own_asked or not own_number or not f.text.startswith(own_number))]
        elif rel == "proposer":
            found = [f for f in [relations.proposer(sentence)] if f]
        elif rel == "recipient":
            found = [f for f in [relations.report_recipient(sentence)] if f]
        elif rel == "count":
            noun = relations.counted_noun(analysis.focus or analysis.question)
            found = relations.counts(sentence, noun) if noun else []
        elif rel == "partner":
            found = relations.partners(sentence)
        elif rel == "contact":
            found = relations.contacts(sentence)
        elif rel == "agent":
            action = relations.agent_action(analysis.focus or analysis.question)
            found = relations.agents(sentence, action) if action else []
        return "; ".join(dict.fromkeys(f.text for f in found)) if found else None

    def _candidates(self, analysis: QueryAnalysis, docs: list[Document], terms: list[str],
                    focus_terms: list[str] | None = None) -> list[_Evidence]:
        out: list[_Evidence] = []
        anchors = set(_tokens(" ".join(t for t in extract.definition_terms(analysis.question)
                                       if t.isupper() and len(t) <= 12)))
        anchors -= {"cchc", "ubnd", "tthc", "hdnd", "kh", "qd"}  # too general to pin a passage down
        if analysis.sub_intent != "target":
            anchors = set()  # elsewhere an index name tends to name the plan, not what is asked
        names_document = bool(_NAMED_DOCUMENT.search(analysis.focus_folded))
        for rank, doc in enumerate(docs, start=1):
            meta = doc.metadata
            section_ctx = f"{meta.get('section', '')} {meta.get('province', '')}"
            for line, line_start, governors in _lines_with_governors(doc.page_content):
                context = section_ctx + " " + " ".join(governors)
                cursor = 0
                for sentence in split_sentences(line):
                    at = line.find(sentence, cursor)
                    cursor = at + len(sentence) if at >= 0 else cursor
                    if len(sentence) < 12:
                        continue
                    if names_document and _SELF_REFERENCE.search(sentence):
                        # "phổ biến Kế hoạch này": the document itself, which the question names by its title
                        context = f"{context} {meta.get('title', '')}"
                    pos = int(meta.get("start", 0)) + line_start + max(at, 0)
                    rows = self._targets_in(meta.get("doc_id", ""), pos, pos + len(sentence)) \
                        if analysis.sub_intent == "target" and at >= 0 else {}
                    cov = self._coverage(terms, sentence, context)
                    if focus_terms:
                        # one part of a multi-part question: its own words say which sentence answers it
                        cov = 0.4 * cov + 0.6 * self._coverage(focus_terms, sentence, context)
                    if anchors and not anchors <= set(_tokens(sentence + " " + " ".join(governors))):
                        cov *= 0.3  # the indicator asked about (PCI, SIPAS, …) is not what this says
                    if analysis.years:
                        cov *= self._year_factor(analysis.years, meta, line_start, sentence, context,
                                                 _row_years(rows.values()))
                    fact, fact_cov = self._fact(analysis, sentence, doc, governors, terms, context,
                                                {k - pos: r for k, r in rows.items()})
                    if fact and _asks_person(analysis) and re.search(r"\bky\b|sign", analysis.focus_folded) and \
                            re.search(r"Người ký|CHỦ TỊCH|GIÁM ĐỐC|\b(?:TM|KT)\.", sentence + " ".join(governors)):
                        cov = max(cov, 0.6)  # "ai ký": the name in the signature block or the "Người ký" field
                    if fact and fact_cov == 1.0 and analysis.sub_intent == "deadline":
                        cov = max(cov, 0.6)  # the document's own date, asked for by "ban hành ngày nào"
                    label = _date_label_bonus(analysis, sentence) if fact and analysis.sub_intent == "deadline" \
                        else 0.0
                    if fact and analysis.relation == "docref" and not analysis.doc_numbers \
                            and meta.get("so_hieu") and meta["so_hieu"] in fact:
                        cov = max(cov, 0.6)  # "văn bản đó mang số hiệu gì": the number of the document itself
                    if fact_cov is not None:
                        cov = fact_cov if analysis.sub_intent == "definition" else min(cov, fact_cov)
                    score = cov + (0.15 if fact else -0.2 if fact is None else 0.0) + 0.05 / rank + label
                    out.append(_Evidence(doc, line, line_start, sentence, cov, score, fact, governors))
        if analysis.english and self.embeddings is not None and out:
            self._semantic_coverage(analysis, out)
        out.sort(key=lambda e: -e.score)
        return out

    def _semantic_coverage(self, analysis: QueryAnalysis, evidence: list[_Evidence]) -> None:
        ranked_docs: list[Any] = []
        for e in evidence:
            if e.doc not in ranked_docs:
                ranked_docs.append(e.doc)
        top_docs = {id(d) for d in ranked_docs[:3]}
        pool = [e for e in evidence if id(e.doc) in top_docs]
        if len(pool) > SEMANTIC_POOL:
            # embedding every sentence costs ~10 ms each on 2 cores: the sentences of the best section and
            # those with glossary words in common, the rest keep their lexical score
            first = ranked_docs[0]
            keep = {id(e) for e in pool if e.doc is first}
            for e in sorted(pool, key=lambda e: -e.coverage):
                if len(keep) >= SEMANTIC_POOL:
                    break
                keep.add(id(e))
            pool = [e for e in pool if id(e) in keep]
        import numpy as np

        q = self._vector(query_text(analysis), query=True)
        # the start of a long sentence says what it is about; the model's cost grows with its length
        texts = [e.sentence[:SEMANTIC_CHARS] for e in pool]
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        fresh = dict(zip(missing, np.asarray(self.embeddings.embed_documents(missing)), strict=True)) if missing else {}
        self._remember(fresh)
        vecs = np.stack([fresh[t] if t in fresh else self._vectors[t] for t in texts])
        sims = vecs @ q
        for e, sim in zip(pool, sims, strict=True):
            semantic = float(np.clip((sim - SEMANTIC_FLOOR) / SEMANTIC_SPAN, 0.0, 1.0))
            # glossary terms (lexical) and meaning (semantic) together; either alone can mislead
            combined = 0.5 * (semantic + e.coverage) if e.coverage > 0 else 0.8 * semantic
            e.score += combined - e.coverage
            e.coverage = combined

    def _vector(self, text: str, query: bool = False) -> Any:
        """An embedding, cached: the parts of a multi-part question compare the same sentences again."""
        import numpy as np

        key = ("\0q" if query else "") + text
        vec = self._vectors.get(key)
        if vec is None:
            vec = np.asarray(self.embeddings.embed_query(text) if query else self.embeddings.embed_documents([text])[0])
            self._remember({key: vec})
        return vec

    def _remember(self, vectors: dict[str, Any]) -> None:
        if len(self._vectors) + len(vectors) > VECTOR_CACHE:
            self._vectors = {}  # a new dict, so a concurrent reader keeps the one it holds
        self._vectors.update(vectors)

    def _year_factor(self, years: list[int], meta: dict[str, Any], line_start: int, sentence: str,
                     context: str, target_years: list[int] | None = None) -> float:
        """Down-weight passages about another target year than the one asked ("đến năm 2025" vs 2030);
        a document that never mentions the year asked cannot answer for it. ``target_years`` are the
        years the commitments extractor gave the sentence's targets, which know baselines ("so với năm
        2025") and years carried from a heading or an earlier clause; the sentence's own words otherwise."""
        text = self.texts.get(meta.get("doc_id", ""), "")
        if text and not all(str(y) in text for y in years):
            return 0.0
        period = meta.get("period", "")
        bounds = [int(y) for y in re.findall(r"\d{4}", period or "")]
        if bounds and all(y < min(bounds) for y in years) and not any(str(y) in sentence + context for y in years):
            return 0.15  # a year before the document's period: only a passage that names it can say
        stated = target_years or [int(y) for y in _TARGET_YEAR.findall(sentence)]
        if stated and not any(y in years for y in stated):
            return 0.15  # the sentence itself is about another year
        if not stated:
            pos = int(meta.get("start", 0)) + line_start
            before = text[max(0, pos - 2500):pos]
            found = _TARGET_YEAR.findall(before)
            stated = [int(found[-1])] if found else []
        if stated:
            if any(y in years for y in stated):
                return 1.1
            # another target year: weak evidence, and none when the year asked is outside the document's period
            return 0.4 if not bounds or _year_in_range(years, period) else 0.15
        if any(str(y) in sentence + context for y in years) or _year_in_range(years, period):
            return 1.0
        return 0.15 if bounds else 0.3  # a year outside the document's period, named nowhere near

    # -- answering --------------------------------------------------------------------------------
    def answer(self, analysis: QueryAnalysis, docs: list[Document]) -> Answer:
        contexts = [context_of(d) for d in docs]
        base = Answer(question=analysis.question, answer="", abstained=True, intent=analysis.intent,
                      contexts=contexts)
        missing = [p for p in analysis.provinces if p not in self.provinces]
        if analysis.provinces and len(missing) == len(analysis.provinces):
            return self._abstain(base, docs, f"thông tin về tỉnh {', '.join(missing)} "
                                             f"(chưa có văn bản nào của tỉnh này trong kho tài liệu)")
        parts = relations.split_parts(analysis.question) if analysis.intent != "comparison" else []
        if len(parts) > 1:
            return self._answer_parts(base, analysis, docs, parts)
        chosen, base.support = self._select(analysis, docs, content_terms(analysis))
        if not chosen:
            return self._abstain(base, docs, _topic(analysis))
        return self._compose(base, analysis, chosen)

    def _answer_parts(self, base: Answer, analysis: QueryAnalysis, docs: list[Document],
                      parts: list[str]) -> Answer:
        """A question that asks several things: each part is answered with its own kind of fact, from
        the same retrieved sections; the answer holds every part that the documents support."""
        chosen: list[_Evidence] = []
        support = 0.0
        for part in parts:
            sub = part_analysis(analysis, part)
            own = content_terms(replace(sub, question=part, expansions=translate_terms(part) if sub.english
                                        else sub.expansions))
            got, part_support = self._select(sub, docs, content_terms(analysis), own)
            support = max(support, part_support)
            if sub.intent == "deadline" and any(c.fact and "ngày" in c.fact and (c.analysis or sub).relation == "docref"
                                                for c in chosen):
                continue  # "mang số nào, ban hành ngày nào": the number came with its date
            for e in got:
                if not any(c.line_start == e.line_start and c.doc.id == e.doc.id and c.fact == e.fact for c in chosen):
                    e.analysis = e.analysis or sub
                    chosen.append(e)
        base.support = round(support, 4)
        if not chosen:
            return self._abstain(base, docs, _topic(analysis))
        return self._compose(base, analysis, chosen)

    def _select(self, analysis: QueryAnalysis, docs: list[Document], terms: list[str],
                focus_terms: list[str] | None = None) -> tuple[list[_Evidence], float]:
        """The evidence that answers the question (empty when nothing supports an answer), and the
        best support found. ``focus_terms`` are the words of the part being answered, if any."""
        evidence = self._candidates(analysis, docs, terms, focus_terms)
        with_fact = [e for e in evidence if e.fact is not None]
        if not with_fact and analysis.relation and analysis.relation != "contact":
            # no sentence states the relation: answer as the basic question type instead
            basic = replace(analysis, relation=None)
            got, support = self._select(basic, docs, terms, focus_terms)
            for e in got:
                e.analysis = e.analysis or basic
            return got, support
        support = round(max((e.coverage for e in with_fact), default=0.0), 4)
        supported = [e for e in with_fact if e.coverage >= self.threshold]
        if not supported and with_fact and analysis.relation and analysis.relation != "contact":
            basic = replace(analysis, relation=None)
            got, basic_support = self._select(basic, docs, terms, focus_terms)
            for e in got:
                e.analysis = e.analysis or basic
            return got, max(support, basic_support)
        if not supported:
            return [], support
        best = supported[0]
        chosen = [best]
        if analysis.intent == "comparison":
            for e in supported[1:]:
                if e.doc.metadata["doc_id"] not in {c.doc.metadata["doc_id"] for c in chosen}:
                    chosen.append(e)
            return chosen[:4], support
        wanted_docs = 3 if analysis.intent == "comparison" or not analysis.provinces else 1
        if analysis.intent == "comparison" or not (analysis.provinces or analysis.doc_numbers):
            for e in supported[1:]:
                if len({c.doc.metadata["doc_id"] for c in chosen}) >= wanted_docs:
                    break
                if e.doc.metadata["doc_id"] in {c.doc.metadata["doc_id"] for c in chosen}:
                    continue
                close = e.coverage >= max(self.threshold + 0.15, best.coverage - 0.25)
                if close and (e.fact or analysis.intent in {"general", "list", "yes_no"}):
                    chosen.append(e)
        if analysis.intent in {"list", "general", "yes_no", "target", "deadline"}:
            # a second sentence from the same section often completes the answer
            extra = [e for e in supported[1:6] if e.doc.id == best.doc.id and e.line != best.line
                     and e.coverage >= best.coverage - 0.1 and e not in chosen]
            chosen += extra[:1]
        return chosen, support

    def _compose(self, base: Answer, analysis: QueryAnalysis, chosen: list[_Evidence]) -> Answer:
        citations: list[Citation] = []
        by_line: dict[tuple[str, int], int] = {}
        items_for: dict[int, list[str]] = {}
        for e in chosen:
            key = (e.doc.id or "", e.line_start)
            if key in by_line:
                continue
            meta = e.doc.metadata
            quote, items = _quote(e), []
            if analysis.intent == "list" or analysis.sub_intent == "list":
                quote, items = self._list_quote(e, content_terms(analysis))
            elif e.fact and "|" not in e.fact and e.fact.split("; ")[0] not in quote:
                quote = _with_label_line(e, quote)  # the "- Sở X chủ trì …:" line the fact came from
            lo, hi = _locate(e.doc.page_content, quote, e.line_start)
            base_offset = int(meta.get("start", 0))
            citations.append(Citation(
                n=len(citations) + 1, chunk_id=meta.get("chunk_id", e.doc.id or ""), doc_id=meta["doc_id"],
                title=meta.get("title", ""), so_hieu=meta.get("so_hieu", ""), province=meta.get("province", ""),
                section=meta.get("section", ""), text=quote, start=base_offset + lo, end=base_offset + hi))
            by_line[key] = citations[-1].n
            items_for[citations[-1].n] = items
        lead: list[str] = []
        multi_doc = len({e.doc.metadata["doc_id"] for e in chosen}) > 1
        for e in chosen:
            n = by_line[(e.doc.id or "", e.line_start)]
            sentence = _direct(e.analysis or analysis, e, n, multi_doc, items_for.get(n, []))
            if sentence and sentence not in lead:
                lead.append(sentence)
        head = "\n".join(f"- {s}" for s in lead) if len(lead) > 1 else lead[0]
        body = ["", "**Căn cứ:**"]
        for c in citations:
            body.append(f"- [{c.n}] {_doc_label(asdict(c))}, {c.section}: “{c.text}”")
        base.answer = head + "\n" + "\n".join(body)
        base.abstained = False
        base.citations = citations
        return base

    def _list_quote(self, e: _Evidence, terms: list[str] | None = None) -> tuple[str, list[str]]:
        """For list questions: the items under the evidence line, or under the heading above it that
        matches the question best (sub-items in the chunk, or the titles of sub-sections)."""
        inline = _inline_items(e.line)
        if len(inline) >= 3:
            return _quote(e), inline  # "… 6 nội dung, đó là: (1) …; (2) …": the line lists them itself
        best: tuple[float, str, list[str]] | None = None
        for head in [e.line, *reversed(e.governors)]:
            probe = _Evidence(e.doc, head, e.doc.page_content.find(head), head, 0.0, 0.0, "", [])
            quote, items = self._items_under(probe)
            if len(items) >= 2:
                score = self._coverage(terms or [], head, "") if terms else 0.0
                if best is None or score > best[0] + 0.05:
                    best = (score, quote, items)
        if best:
            return best[1], best[2]
        return _quote(e), []

    def _items_under(self, e: _Evidence) -> tuple[str, list[str]]:
        lines = _lines_with_governors(e.doc.page_content)
        children = [ln for ln, _, gov in lines if gov and gov[-1] == e.line]
        # one child in this chunk ("2. … / a) …" where b), c) are later chunks): look at the outline
        if len(children) >= 2:
            quote_lines = [e.line.strip()]
            for ln in children:
                if sum(len(x) for x in quote_lines) + len(ln) > QUOTE_MAX * 2:
                    break
                quote_lines.append(ln.strip())
            items = [_strip_marker(c) for c in children]
            return "\n".join(quote_lines), items
        section = e.doc.metadata.get("section", "")
        from assistant.ingest.parsing import _match_marker

        marker = _match_marker(e.line.strip())
        parts = section.split(" › ")
        if marker and marker[0] != "bullet":
            # the heading's own path: the ancestor whose label carries the line's number
            for depth in range(len(parts), 0, -1):
                if parts[depth - 1].startswith(marker[1]):
                    section = " › ".join(parts[:depth])
                    break
        if marker and marker[0] != "bullet":
            prefix = section + " › "
            subs = []
            for path in self.outline.get(e.doc.metadata.get("doc_id", ""), []):
                if path.startswith(prefix):
                    child = path[len(prefix):].split(" › ")[0]
                    if child not in subs:
                        subs.append(child)
            items = [x for x in (_strip_marker(x) for x in subs) if x.strip(" .:|")]
            if len(items) >= 2:  # sections with a title, not bare table-row numbers
                return _quote(e), items
        return _quote(e), []

    def _abstain(self, base: Answer, docs: list[Document], what: str) -> Answer:
        base.related = [{"doc_id": d.metadata.get("doc_id", ""), "title": d.metadata.get("title", ""),
                         "so_hieu": d.metadata.get("so_hieu", ""), "section": d.metadata.get("section", "")}
                        for d in docs[:3]]
        lines = [f"{ABSTAIN_PREFIX} {what}."]
        if base.related:
            lines.append("")
            lines.append("Các mục có thể liên quan:")
            lines += [f"- {_doc_label(r)}, {r['section']}" for r in base.related]
        base.answer = "\n".join(lines)
        base.abstained = True
        return base


# -- helpers ------------------------------------------------------------------------------------

def _lines_with_governors(text: str) -> list[tuple[str, int, list[str]]]:
    """Each line of a chunk with the lines that govern it: the label lines of shallower list levels
    above it ("- Sở Tài chính chủ trì …:" governs the "+ …" items under it)."""
    from assistant.ingest.parsing import _match_marker

    out = []
    stack: list[tuple[str, str]] = []
    pos = 0
    for line in text.split("\n"):
        start = pos
        pos += len(line) + 1
        marker = _match_marker(line.strip())
        key = (marker[1] if marker[0] == "bullet" else marker[0]) if marker else ""
        if key:
            idx = next((i for i, (k, _) in enumerate(stack) if k == key), None)
            if idx is not None:
                stack = stack[:idx]
        out.append((line, start, [ln for _, ln in stack]))
        if key:
            stack.append((key, line))
    return out


def _same_date(text: str, iso: str) -> bool:
    """"20/09/2021", "ngày 20 tháng 9 năm 2021" == "2021-09-20"."""
    nums = [int(n) for n in re.findall(r"\d+", text)]
    if len(nums) < 3:
        return False
    d, m, y = nums[0], nums[1], nums[2]
    return f"{y:04d}-{m:02d}-{d:02d}" == iso


def target_kind(analysis: QueryAnalysis) -> str:
    """What kind of number the question wants: rank, percent, money, count or any."""
    f = analysis.focus_folded
    if re.search(r"bao nhieu tien|ty dong|trieu dong|nghin dong|kinh phi\b.*\bbao nhieu|bao nhieu\b.*\bkinh phi"
                 r"|phat bao nhieu|how much money|\bbudget\b|\bfunding\b|\bcost\b", f):
        return "money"
    if re.search(r"thu hang|xep hang|xep thu|thu may|\brank", f):
        return "rank"
    if re.search(r"phan tram|%|\bpercent|ty le", f):
        return "percent"
    return "any"


_CURRENT = re.compile(r"^(?:hien|hien nay|hien tai)\b|\bhien (?:nay |tai )?(?:co|dang|la)\b|\bcurrently\b|\bat present\b"
                      r"|\bright now\b|\bhow many\b.*\bare there\b")
_TARGET_FRAME = re.compile(r"muc tieu|chi tieu|phan dau|\bden\b|\btoi\b|\btruoc\b|ke hoach|de an|giai doan|\bphai\b"
                           r"|\bcan\b|dat ra|de ra|yeu cau|\bmuon\b|\btarget|\bgoal|\bby 20|should|must|\bplan")


def asks_current_state(analysis: QueryAnalysis) -> bool:
    """"Hiện Tuyên Quang có bao nhiêu đơn vị …?": a question about how things are now, not about a target."""
    f = analysis.focus_folded
    return bool(_CURRENT.search(f)) and not _TARGET_FRAME.search(f)


def asks_quantity(analysis: QueryAnalysis) -> bool:
    """Does the question ask for a number (not just mention a target)?"""
    return bool(re.search(r"bao nhieu|\bmay\b|phan tram|%|ty le|muc nao|xep hang|thu hang|thu may|how (?:many|much)"
                          r"|what (?:share|percentage|proportion)|\brank", analysis.focus_folded))


def _kind_ok(kind: str, fact: str) -> bool:
    if kind == "rank":
        return bool(re.search(r"/\d|nhóm|tốp|top|hạng", fact, re.IGNORECASE))
    if kind == "percent":
        return "%" in fact
    return True


_SELF_REFERENCE = re.compile(r"\b(?:Kế hoạch|Quyết định|Đề án|Chỉ thị|Nghị định|Chương trình|Thông tư|Văn bản)\s+này\b",
                             re.IGNORECASE)


# "… Kế hoạch nâng cao PAR INDEX …": the question names a document by its title
_NAMED_DOCUMENT = re.compile(r"\b(?:ke hoach|quyet dinh|de an|chi thi|chuong trinh)\s+(?!(?:gi|nao|nay|do|ay|so|cua)\b)"
                             r"[a-z]+(?:\s+[a-z]+){2}")


_WEEKDAY_LINE = re.compile(r"^\s*(?:Thứ\s+(?:\d|hai|ba|tư|năm|sáu|bảy)|Chủ\s+nhật)\s*,", re.IGNORECASE)
_PLACE_DATE_LINE = re.compile(r"^\s*[A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){0,3},\s+ngày\s+\d{1,2}\s+tháng\s+\d{1,2}"
                              r"\s+năm\s+\d{4}\s*$")


def _date_label_bonus(analysis: QueryAnalysis, sentence: str) -> float:
    """Which of several dates a "ngày nào" question asks for: the one labelled with its own words
    ("Ngày có hiệu lực …" for "hiệu lực"), the signed date line ("Lai Châu, ngày 20 tháng 9 năm 2021")
    for "ban hành"/"ký"; never the web page's "Thứ 7, Ngày 26/10/2024" publication stamp."""
    if _WEEKDAY_LINE.match(sentence):
        return -0.3
    focus, folded = analysis.focus_folded, fold(sentence)
    bonus = 0.0
    for label in ("hieu luc", "ban hanh", "ky"):
        if re.search(rf"\b{label}\b", focus) and re.search(rf"\b{label}\b", folded):
            bonus = 0.1
    if re.search(r"\bban hanh\b|\bky\b|issued|signed", focus) and _PLACE_DATE_LINE.match(sentence):
        bonus = 0.12  # the document's own dated line, over a website's "Ngày ban hành" field
    return bonus


# a table cell that is a time and nothing else: "Năm 2025", "Tháng 06/2026", "Quý IV/2025", "2026 - 2030"
_CELL_TIME = re.compile(r"^(?:(?:năm|tháng|quý)\s+[\dIVX]{1,4}(?:/\d{4})?|\d{1,2}/\d{4}|\d{4}(?:\s*[-–]\s*\d{4})?"
                        r"|(?:hằng|hàng)\s+(?:năm|quý|tháng)|thường xuyên|đã thực hiện|(?:trước\s+)?ngày\s+[\d/]+)"
                        r"(?:\s*[;,]\s*.{0,40})?$", re.IGNORECASE)


def _table_fact(intent: str, row: str) -> str | None:
    """A row of a task table ("9.5 | Triển khai … | Thuế Đồng Nai | Các sở, … | 2026 - 2030 | Chương trình"):
    the first cell that names agencies is the lead column, the cell that is only a time the deadline."""
    cells = [c.strip() for c in row.split(" | ")]
    for cell in cells[1:]:
        if intent == "who_leads":
            found = extract.agencies(cell)
            if found and found[0].start <= 4 and len(cell) <= 160:
                return cell
        elif _CELL_TIME.match(cell):
            return cell
    return None


def _target_at(targets: dict[int, dict[str, Any]], found: extract.Found) -> dict[str, Any] | None:
    """The extracted target whose value overlaps ``found`` (the two value patterns differ slightly:
    "đạt tối thiểu 50%" here, "tối thiểu 50%" there)."""
    return next((r for at, r in targets.items() if found.start <= at < found.end
                 or at <= found.start < at + int(r["value_end"]) - int(r["value_start"])), None)


def _row_years(rows: Any) -> list[int]:
    return [int(r["year"]) for r in rows if r and str(r.get("year") or "").isdigit()]


# "bao nhiêu phần trăm hồ sơ …", "tỷ lệ người dân …", "giảm bao nhiêu đơn vị …": the thing measured
_MEASURED = re.compile(r"(?:bao nhieu|ty le)\s+(?:(?:phan tram|%)\s+)?(?:(?:so|so luong)\s+)?([a-z]+(?: [a-z]+){1,3})")
_NOT_MEASURED = re.compile(r"^(?:phan tram|%|duoc|la|dat|cua|o|tai|trong|den|phai|se|can|toi|nam|the|vay|nhi|a"
                           r"|hien|so|muc|chi)\b")


def measured_noun(analysis: QueryAnalysis) -> str | None:
    """The head (two folded syllables, or one abbreviation) of what a "how much" question measures."""
    return None if analysis.english else _measured_head(analysis.focus_folded)


@lru_cache(maxsize=256)  # asked once per candidate sentence of the same question
def _measured_head(focus_folded: str) -> str | None:
    m = _MEASURED.search(focus_folded)
    if not m or _NOT_MEASURED.match(m.group(1)):
        return None
    words = m.group(1).split()
    first = canonical_terms(m.group(1)).split()[0]
    # "thủ tục hành chính" → "tthc"; otherwise the first two syllables ("hồ sơ", "đơn vị")
    return first if first != words[0] else " ".join(words[:2])


def _measures(head: str, indicator: str) -> bool:
    folded = fold(indicator)
    return head in folded or head in canonical_terms(folded)


def _clause(sentence: str, start: int, end: int) -> str:
    """The clause around a match: from the previous ';' (or sentence start) to the next ';'."""
    lo = sentence.rfind(";", 0, start) + 1
    hi = sentence.find(";", end)
    return sentence[lo: hi if hi >= 0 else len(sentence)]


_TARGET_YEAR = re.compile(r"(?:đến|tới|trước|cuối|hết|định hướng đến)\s+(?:năm\s+)?(20\d\d)\b",
                          re.IGNORECASE)


def _year_in_range(years: list[int], period: str) -> bool:
    """Is any asked year inside the document's period ("2021-2025", or a single year "2024")?"""
    bounds = [int(y) for y in re.findall(r"\d{4}", period or "")]
    return bool(bounds) and any(min(bounds) <= y <= max(bounds) for y in years)


def _asks_person(analysis: QueryAnalysis) -> bool:
    f = analysis.focus_folded
    return bool(re.search(r"\bai (?:la|dang la|lam)\s+(?:truong|pho|giam doc|chu tich|bi thu|chanh|thu truong)\b"
                          r"|\bla ai\b.*(giam doc|chu tich|truong|nguoi)|(giam doc|chu tich|nguoi ky|ho ten|ten cua)"
                          r".*\b(la ai|ten gi|la gi)\b|nguoi ky|who (?:is|was) the (?:director|chairman|head)|signed",
                          f))


def _doc_label(meta: dict[str, Any]) -> str:
    title = meta.get("title", "")
    so_hieu = meta.get("so_hieu", "")
    return f"{title} ({so_hieu})" if so_hieu else title


def _short_doc(meta: dict[str, Any]) -> str:
    province = meta.get("province", "")
    so_hieu = meta.get("so_hieu", "")
    kind = meta.get("doc_type", "") or "Văn bản"
    ref = f"{kind} {so_hieu}" if so_hieu else meta.get("title", "")
    return f"{province} ({ref})" if province else ref


def _quote(e: _Evidence) -> str:
    """The whole line (paragraph or list item) holding the sentence, trimmed around it if very long."""
    line = e.line.strip()
    if len(line) <= QUOTE_MAX:
        return line
    start = line.find(e.sentence.strip())
    if start < 0:
        return e.sentence.strip()[:QUOTE_MAX]
    lo = max(0, start - 150)
    lo = line.rfind(" ", 0, lo) + 1 if lo > 0 else 0
    hi = min(len(line), start + len(e.sentence) + 150)
    hi = line.find(" ", hi) if line.find(" ", hi) > 0 else len(line)
    return line[lo:hi].strip()


def _topic(analysis: QueryAnalysis) -> str:
    q = re.sub(r"[?？!.]+$", "", analysis.question).strip()
    return f"câu trả lời cho câu hỏi “{q}”"


def _topic_after_role(question: str) -> str:
    """"ai chủ trì cải cách tài chính công ở Lạng Sơn?" -> "cải cách tài chính công" (the user's own words)."""
    m = re.search(r"(?:chủ trì|phối hợp|phụ trách|tham mưu|chịu trách nhiệm)\s+(?:về\s+|việc\s+)?(.+?)"
                  r"(?:\s+(?:ở|tại|của|theo|trong|cho)\s+.*)?\s*[?.!]*\s*$", question, re.IGNORECASE)
    if not m:
        return ""
    topic = m.group(1).strip(" ,")
    return topic if 1 <= len(topic.split()) <= 10 and not re.search(r"\b(?:nào|gì|ai)\b", topic) else ""


def _with_label_line(e: _Evidence, quote: str, limit: int = 1500) -> str:
    """Extend the quote back to the nearest line above it that holds the fact (an agency heading or a
    "- Sở Tài chính chủ trì …:" label), as one contiguous passage of the chunk."""
    text = e.doc.page_content
    fact = (e.fact or "").split("; ")[0]
    label = text.rfind(fact, 0, e.line_start)
    if label < 0:
        return quote
    start = text.rfind("\n", 0, label) + 1
    end = e.line_start + len(e.line)
    if end - start > limit:
        return quote
    return text[start:end].strip()


def _locate(text: str, quote: str, near: int) -> tuple[int, int]:
    """(start, end) of the quote in its chunk: exact when contiguous, else first to last line."""
    lines = quote.split("\n")
    first = text.rfind(lines[0], 0, near + len(lines[0]) + 1)
    if first < 0:
        first = max(0, text.find(lines[0]))
    if text.startswith(quote, first):
        return first, first + len(quote)
    last = text.find(lines[-1], first)
    return first, (last + len(lines[-1])) if last >= 0 else first + len(lines[0])


def _inline_items(line: str) -> list[str]:
    """Items enumerated inside one line after a colon: "gồm: A; B; C" or "đó là: (1) A; (2) B; (3) C"."""
    head, sep, rest = line.partition(":")
    if not sep or rest.count(";") < 2 or len(head) > 400:
        return []
    items = [re.sub(r"^\s*(?:\(?\d+\)|[a-zđ]\)|[-+•])\s*", "", x).strip(" .") for x in rest.split(";")]
    return [x if len(x) <= 160 else x[:160].rsplit(" ", 1)[0] + "…" for x in items if x]


def _strip_marker(line: str) -> str:
    from assistant.ingest.parsing import _match_marker

    marker = _match_marker(line.strip())
    text = marker[2] if marker else line.strip()
    return text if len(text) <= 160 else text[:160].rsplit(" ", 1)[0] + "…"


def _direct(analysis: QueryAnalysis, e: _Evidence, n: int, multi_doc: bool, items: list[str] | None = None) -> str:
    """First sentence: the answer itself, built only from facts found in the quoted sentence."""
    meta = e.doc.metadata
    where = _short_doc(meta)
    fact = e.fact or ""
    intent = analysis.intent
    if fact and "|" in fact and intent == "definition":
        abbr, expansion = fact.split("|", 1)
        return f"**{abbr}** là {expansion} (theo {where}) [{n}]."
    intent = analysis.sub_intent if intent == "comparison" else intent
    if fact and (analysis.relation or _asks_person(analysis)):
        return f"{where}: {', '.join(f'**{p}**' for p in fact.split('; '))} [{n}]."
    if fact and intent == "who_leads":
        role = next((r for r in (analysis.roles or []) if r in fold(e.sentence) or r in e.sentence.lower()), None)
        role = role or next((r.text.lower() for r in extract.roles(e.sentence)), "chủ trì")
        topic = _topic_after_role(analysis.question)
        return f"{where}: **{fact}** {role}{' ' + topic if topic else ''} [{n}]."
    if fact and intent == "target":
        clauses = _fact_clauses(e.sentence, fact.split("; "))
        if clauses:
            return f"{where}: {clauses} [{n}]."
    if fact and intent in {"target", "deadline", "comparison"} or (fact and _asks_person(analysis)):
        parts = [f"**{p}**" for p in fact.split("; ")]
        return f"{where}: {', '.join(parts)} [{n}]."
    if items:
        # the text's own count ("07 nhóm nhiệm vụ, gồm: …") is quoted; items split on ";" may not match it
        count = "" if re.search(r"\b\d+\s+(?:nhóm|nội dung|nhiệm vụ|giải pháp|lĩnh vực|mục tiêu)", e.line) \
            else f" {len(items)} nội dung"
        return f"Theo {where}, gồm{count} [{n}]: " + "; ".join(items) + "."
    sentence = e.sentence.strip()
    return f"Theo {where} [{n}]: “{sentence}”"


CLAUSE_MAX = 260


def _fact_clauses(sentence: str, facts: list[str]) -> str:
    """The clauses of ``sentence`` that hold ``facts``, with the facts in bold: a number is stated with
    what it measures ("Tỷ lệ hồ sơ giải quyết trực tuyến … **đạt tối thiểu 50%**"). Empty when a
    clause is too long to serve as a statement."""
    out: list[str] = []
    for fact in facts:
        at = sentence.find(fact)
        if at < 0:
            return ""
        clause = _clause(sentence, at, at + len(fact))
        lo = sentence.find(clause)
        # a clause cut at commas when long: keep the part around the number
        if len(clause) > CLAUSE_MAX:
            rel = at - lo
            start = clause.rfind(",", 0, max(0, rel - 120)) + 1
            end = clause.find(",", rel + len(fact) + 60)
            clause = clause[start: end if end > 0 else len(clause)]
            if len(clause) > CLAUSE_MAX:
                return ""
        clause = re.sub(r"^\s*(?:[-+•*]|\d+(?:\.\d+)*\.|[a-zđ]\))\s*", "", clause.strip()).strip(" ;,.")
        if fact not in clause:
            return ""
        bolded = clause.replace(fact, f"**{fact}**", 1)
        if bolded not in out:
            out.append(bolded)
    return "; ".join(out)


def context_of(doc: Document) -> dict[str, Any]:
    meta = doc.metadata
    return {"chunk_id": meta.get("chunk_id", doc.id), "doc_id": meta.get("doc_id", ""),
            "section": meta.get("section", ""), "text": doc.page_content, "score": meta.get("score", 0.0)}


def build_idf(texts: list[str]) -> dict[str, float]:
    """Smoothed inverse document frequency of folded syllables over the indexed chunks."""
    df: Counter[str] = Counter()
    for text in texts:
        df.update(set(_tokens(text)))
    n = max(1, len(texts))
    return {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
