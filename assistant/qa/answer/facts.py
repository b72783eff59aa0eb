"""The fact finders: in one candidate sentence, the fact that answers the question's type.

An agency next to a role verb, or the label line or heading it sits under (who leads); a number with
its qualifier in the clause naming the indicator asked, or written before the noun a "bao nhiêu …" question
counts, and never one said of another tier of government than the one asked (target); a date, a time, a
duration counted from an event, or the lead-in line ("Đến hết năm 2045:") that dates a list item (deadline); the
phrase before "(PAPI)" (definition); a document number, proposer, recipient, count, partner, contact
or agent (relation questions). Each finder returns the fact as written in the sentence ('' when any
sentence will do, None when this sentence cannot answer) and, when it scored the clause holding the
fact itself, that clause's coverage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from langchain_core.documents import Document

from assistant.lexicon import facts as extract
from assistant.lexicon import relations
from assistant.lexicon.text import fold, has_diacritics
from assistant.qa.analyse import DOC_DATE_Q, DURATION_Q
from assistant.qa.answer import columns
from assistant.qa.answer.corpus import CorpusView
from assistant.qa.answer.coverage import Coverage
from assistant.qa.answer.layout import clause, strip_marker
from assistant.qa.answer.question import Asked, asks_partner, kind_matches, measures, tiers

#: (fact, coverage of the clause holding it): see the module docstring.
Found = tuple[str | None, float | None]

# a table cell that is a time and nothing else: "Năm 2025", "Tháng 06/2026", "Quý IV/2025", "2026 - 2030"
_CELL_TIME = re.compile(r"^(?:(?:năm|tháng|quý)\s+[\dIVX]{1,4}(?:/\d{4})?|\d{1,2}/\d{4}|\d{4}(?:\s*[-–]\s*\d{4})?"
                        r"|(?:hằng|hàng)\s+(?:năm|quý|tháng)|thường xuyên|đã thực hiện|(?:trước\s+)?ngày\s+[\d/]+)"
                        r"(?:\s*[;,]\s*.{0,40})?$", re.IGNORECASE)
_ASKS_DATE = re.compile(r"ngay nao|ngay bao nhieu|ban hanh (?:vao )?ngay|what date|issued on|when was|hieu luc"
                        r"|effective|" + DOC_DATE_Q.pattern)
_DUTIES = re.compile(r"nhiệm vụ|quyền hạn|chức năng", re.IGNORECASE)


class FactFinder:
    """``find(asked, sentence, doc, governors, terms, context, targets)`` -> :data:`Found`."""

    def __init__(self, corpus: CorpusView, coverage: Coverage) -> None:
        self.corpus = corpus
        self.coverage = coverage
        self.weights = coverage.weights

    def find(self, asked: Asked, sentence: str, doc: Document, governors: list[str], terms: list[str],
             context: str, targets: dict[int, dict[str, Any]] | None = None,
             row: tuple[str, int] | None = None) -> Found:
        """The fact that answers ``asked`` in ``sentence``; ``targets`` are the extracted targets of the
        sentence, by the offset of their value in it; ``row`` the table row that holds the sentence and
        its offset in the document, when it is one."""
        intent = asked.intent
        if intent == "deadline" and not asked.analysis.relation and DOC_DATE_Q.search(asked.focus):
            # the document's own date: its dated line ("Số: … | Hà Nội, ngày …") is no table row
            return self._deadline(asked, sentence, doc)
        want = _column_wanted(asked)
        if row is not None and want is not None and len(columns.cells(row[0])) > 1:
            line, pos = row
            header = self.corpus.table_header(doc.metadata.get("doc_id", ""), pos, len(columns.cells(line)))
            year = asked.analysis.years[0] if asked.analysis.years else None
            cell = columns.answer_cell(line, want, header, year)
            if cell:
                return cell, None
        if asked.analysis.relation:
            return relation_fact(asked, sentence, doc.metadata.get("so_hieu", "")), None
        if asked.kind == "money":
            found = _of_level_asked(asked, sentence, extract.money(sentence))
            return (found[0].text, None) if found else (None, None)
        if asked.person:
            found = extract.people(sentence)
            return (found[0].text, None) if found else (None, None)
        if sentence.count(" | ") >= 2 and intent in {"who_leads", "deadline"}:
            return table_fact(intent, sentence), None
        if intent == "who_leads":
            fields = extract.role_fields(sentence)
            if fields:
                field_found = fields.get("phối hợp") if want == "partner" else \
                    fields.get("chủ trì") or fields.get("thực hiện") or fields.get("chịu trách nhiệm")
                if field_found:
                    return field_found.text, None
            return self._who_leads(sentence, doc, governors, asked.doer_action), None
        if intent == "target":
            return self._target(asked, sentence, terms, context, targets or {})
        if intent == "deadline":
            return self._deadline(asked, sentence, doc, governors)
        if intent == "definition":
            return _definition(asked, sentence)
        return "", None

    def _who_leads(self, sentence: str, doc: Document, governors: list[str], action: str | None = None) -> str | None:
        hit = extract.agency_before_role(sentence) or extract.subject_agency(sentence)
        if hit:
            return hit.text
        if action:  # "ai ra quyết định …": whoever the sentence names right before that action
            for text in (sentence, *reversed(governors)):
                found = relations.doer(text, action)
                if found:
                    return found.text
        for line in reversed(governors):  # "- Sở Tài chính chủ trì …:" above "+ task" lines
            hit = extract.agency_before_role(line) or next(iter(extract.agencies(line)), None)
            if hit and (extract.roles(line) or line.rstrip().endswith(":") or len(line) < 80):
                return hit.text
        section = doc.metadata.get("section", "")
        if extract.roles(sentence):
            heading = [a.text for a in extract.agencies(section)]
            if heading:
                return heading[-1]
        ags = extract.agencies(sentence)
        if ags and re.search(r"\b(?:do|giao cho|giao)\s+$", sentence[:ags[0].start]):
            return ags[0].text
        # a decree on one body's "chức năng, nhiệm vụ, quyền hạn": its tasks are that body's
        if not ags and _DUTIES.search(section):
            return self.corpus.subject_agency(doc.metadata)
        return None

    def _target(self, asked: Asked, sentence: str, terms: list[str], context: str,
                targets: dict[int, dict[str, Any]]) -> Found:
        if asked.current_state and not re.search(r"\bhiện\s+(?:nay|tại|có|đang)\b", sentence.lower()):
            return None, None  # a plan's targets do not say how things are now
        found = [f for f in extract.targets(sentence) if kind_matches(asked.kind, f.text)]
        if asked.kind == "any" and asked.counted_phrase:
            # "có bao nhiêu phòng chuyên môn": a number written before the noun counted ("06 phòng chuyên môn")
            found = relations.counts(sentence, asked.counted_phrase, required=2) or found
        found = _of_level_asked(asked, sentence, found)
        if not found:
            return (None if asked.quantity else ""), None
        rows = [(f, target_at(targets, f)) for f in found]
        years = asked.analysis.years
        if years:
            # of "80% by 2025; 90% by 2030" in one passage, the value for the year asked
            rows = [(f, r) for f, r in rows if set(row_years([r])) & set(years)] or rows
        w = self.weights
        best: list[tuple[float, str]] = []
        for f, row in rows:
            held_in = clause(sentence, f.start, f.end)
            cov = self.coverage(terms, held_in, context, ctx_weight=w.target_clause_context_term)
            if asked.measured and not measures(asked.measured, (row or {}).get("indicator") or held_in):
                cov *= w.other_measure  # "bao nhiêu phần trăm hồ sơ …": this number measures something else
            best.append((cov, f.text))
        top = max(c for c, _ in best)
        facts = [t for c, t in best if c >= top - w.target_tie]
        return "; ".join(dict.fromkeys(facts)), top

    def _deadline(self, asked: Asked, sentence: str, doc: Document, governors: list[str] | None = None) -> Found:
        focus = asked.focus
        if _ASKS_DATE.search(focus):
            dates = extract.dates(sentence)
            own = self.corpus.issued.get(doc.metadata.get("doc_id", ""), "")
            said = [m.group(0) for m in DOC_DATE_Q.finditer(focus)]
            cited = _cited_numbers(asked, doc)
            if cited:
                # "Kết luận số 212-KL/TW, được nhắc trong Công văn 10988, ban hành ngày nào?": the date written
                # right after that number, never the citing document's own date
                dates = [d for d in dates if _follows_number(sentence, d, cited)]
                return (_joined(f.text for f in dates), 1.0) if dates else (None, None)
            # "… đều có hiệu lực từ ngày ký. Văn bản nào ban hành sau?": the last date named is the one asked
            effective = "hieu luc" in (said[-1] if said else focus)
            if own and not (said and effective) and re.search(r"ban hanh|thong qua|issued|adopted|\bky\b|signed",
                                                              focus):
                # the document's own date, not the dates of the documents it cites
                dates = [d for d in dates if same_date(d.text, own)] or \
                    ([d for d in dates if "kể từ" in d.text.lower()] if effective else [])
            if not said:
                dates = [d for d in dates if not extract.of_cited_document(sentence, d)]
            return (_joined(f.text for f in dates), 1.0 if dates and own else None) if dates else (None, None)
        # "khi nào được đăng ký dự tuyển lại?" -> "Sau 12 tháng, kể từ …": a time counted from an event answers when
        found = extract.durations(sentence) if DURATION_Q.search(focus) else \
            extract.times(sentence) or extract.durations(sentence)
        # "Thực hiện Kế hoạch số 283/KH-UBND ngày 24/9/2025": the cited document's date is no time asked for
        found = [f for f in found if not extract.of_cited_document(sentence, f)]
        if not found:
            # "Đến hết năm 2045:" above "- 100% doanh nghiệp …": the lead-in line dates the items under it
            found = next((lead for lead in map(_lead_in_time, reversed(governors or [])) if lead), [])
        return (_joined(f.text for f in found), None) if found else (None, None)


def _lead_in_time(line: str) -> list[extract.Found]:
    """The time a short lead-in line opens with ("Đến hết năm 2045:", "Năm 2026:"), or none."""
    line = line.strip()
    if not line.endswith(":") or len(line) > 120:
        return []
    return [f for f in extract.times(strip_marker(line)) if f.start <= 1][:1]


def _of_level_asked(asked: Asked, sentence: str, found: list[extract.Found]) -> list[extract.Found]:
    """The numbers whose own words (up to the next number) name the tier of government the question asks
    about, or none; a number said of another tier does not answer ("… cấp huyện bị giảm?" against "cấp tỉnh")."""
    if not asked.tiers:
        return found
    kept = []
    for i, f in enumerate(found):
        stop = found[i + 1].start if i + 1 < len(found) and found[i + 1].start > f.end else len(sentence)
        said = tiers(fold(sentence[f.end:min(stop, f.end + 120)]))
        if not said or said & asked.tiers:
            kept.append(f)
    return kept


def _cited_numbers(asked: Asked, doc: Document) -> list[str]:
    """The numbers the question names other than that of ``doc``, when it asks about a document ``doc``
    cites (none when it compares documents, or when ``doc``'s own number is unknown)."""
    own = re.match(r"0*(\d+)", doc.metadata.get("so_hieu", "") or "")
    if not own or asked.analysis.intent == "comparison":
        return []
    return [n for n in asked.analysis.doc_numbers if n != own.group(1)]


def _follows_number(sentence: str, found: extract.Found, numbers: list[str]) -> bool:
    """Whether the date ``found`` is written right after one of the document ``numbers`` ("… số 212-KL/TW ngày
    18/11/2025", "Nghị định 25/2025/NĐ-CP ngày …"); the date's own year is not a document number."""
    before = sentence[max(0, found.start - 60):found.start]
    last = list(re.finditer(r"(?<![\d/.])0*(\d{2,5})(?=[/\-][^\s]*\s|\s+(?:của|ngày))", before))
    return bool(last) and last[-1].group(1) in numbers and extract.of_cited_document(sentence, found)


def _column_wanted(asked: Asked) -> str | None:
    """Which column of a table row answers: the partners, the lead body, the deadline, a year's value."""
    analysis = asked.analysis
    if analysis.relation not in (None, "agent", "partner") or asked.person or asked.kind == "money":
        return None  # a person's name or a sum of money is found in the text, whatever the column
    if asked.intent == "who_leads" or analysis.relation in ("agent", "partner"):
        return "partner" if asks_partner(analysis) else "lead"
    if asked.intent == "deadline":
        return "time"
    if asked.intent == "target" and len(analysis.years) == 1:
        return "year"
    return None


def _definition(asked: Asked, sentence: str) -> Found:
    for term in asked.definition_terms:
        d = extract.definition_of(term, sentence) or extract.definition_stated(term, sentence)
        if d and asked.english_form and has_diacritics(d.text):
            continue  # the English words asked for, not the Vietnamese name
        if d:
            return f"{term}|{d.text}", 1.0
    return None, None


def relation_fact(asked: Asked, sentence: str, own_number: str = "") -> str | None:
    """The fact for a relation question (document number, proposer, recipient, count, contact);
    ``own_number`` is the số hiệu of the document the sentence is from."""
    analysis = asked.analysis
    rel = analysis.relation
    found: list[extract.Found] = []
    if rel == "docref":
        # "which document guided plan 2943?": the plan the question names is not the answer, nor is
        # the document itself unless its own number is asked ("văn bản đó mang số hiệu gì")
        own_asked = re.search(r"so hieu|mang so|ky hieu|\bnumber\b", asked.focus)
        found = [f for f in relations.doc_refs(sentence)
                 if re.match(r"\d+", f.text).group(0).lstrip("0") not in analysis.doc_numbers
                 and (own_asked or not own_number or not f.text.startswith(own_number))]
    elif rel == "proposer":
        found = [f for f in [relations.proposer(sentence)] if f]
    elif rel == "recipient":
        found = [f for f in [relations.report_recipient(sentence)] if f]
    elif rel == "count":
        found = relations.counts(sentence, asked.counted_noun) if asked.counted_noun else []
    elif rel == "partner":
        field = extract.role_fields(sentence).get("phối hợp")  # "Cơ quan phối hợp: …"
        found = [field] if field else relations.partners(sentence)
    elif rel == "contact":
        found = relations.contacts(sentence)
    elif rel == "agent":
        found = relations.agents(sentence, asked.agent_action) if asked.agent_action else []
        fields = extract.role_fields(sentence)  # "Cơ quan chủ trì: …" for "do cơ quan nào chủ trì"
        if not found and "chủ trì" in analysis.roles and fields.get("chủ trì"):
            found = [fields["chủ trì"]]
    return _joined(f.text for f in found) if found else None


def table_fact(intent: str, row: str) -> str | None:
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


def target_at(targets: dict[int, dict[str, Any]], found: extract.Found) -> dict[str, Any] | None:
    """The extracted target whose value overlaps ``found`` (the two value patterns differ slightly:
    "đạt tối thiểu 50%" here, "tối thiểu 50%" there)."""
    return next((r for at, r in targets.items() if found.start <= at < found.end
                 or at <= found.start < at + int(r["value_end"]) - int(r["value_start"])), None)


def row_years(rows: Iterable[dict[str, Any] | None]) -> list[int]:
    """The target years of extracted target rows (rows without a year are skipped)."""
    return [int(r["year"]) for r in rows if r and str(r.get("year") or "").isdigit()]


def same_date(text: str, iso: str) -> bool:
    """"20/09/2021", "ngày 20 tháng 9 năm 2021" == "2021-09-20"."""
    nums = [int(n) for n in re.findall(r"\d+", text)]
    if len(nums) < 3:
        return False
    d, m, y = nums[0], nums[1], nums[2]
    return f"{y:04d}-{m:02d}-{d:02d}" == iso


def _joined(texts: Iterable[str]) -> str:
    """Facts found more than once are stated once, in order."""
    return "; ".join(dict.fromkeys(texts))
