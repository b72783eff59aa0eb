"""The Markdown answer: the direct statement first, built only from facts found in the quoted sentences,
then the **Căn cứ** list quoting each passage verbatim with its document, số hiệu and section.

For list questions the quote is the heading with its items (the sub-items in the chunk, or the titles
of its sub-sections from the document's outline) and the statement lists them.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from assistant.lexicon import facts as extract
from assistant.lexicon.text import fold
from assistant.qa.analyse import QueryAnalysis
from assistant.qa.answer.corpus import CorpusView
from assistant.qa.answer.coverage import Coverage
from assistant.qa.answer.layout import (
    clause,
    inline_items,
    lines_with_governors,
    locate,
    match_marker,
    quote,
    strip_marker,
    with_label_line,
)
from assistant.qa.answer.model import Answer, Citation, Evidence
from assistant.qa.answer.question import (
    POLAR_INTENTS,
    asks_partner,
    asks_person,
    content_terms,
    denies,
    topic_after_role,
)
from assistant.qa.answer.weights import CLAUSE_MAX, QUOTE_MAX


def doc_label(meta: dict[str, Any]) -> str:
    """"Title (số hiệu)", as a citation names its document."""
    title = meta.get("title", "")
    so_hieu = meta.get("so_hieu", "")
    return f"{title} ({so_hieu})" if so_hieu else title


def short_doc(meta: dict[str, Any]) -> str:
    """"Lạng Sơn (Kế hoạch 249/KH-UBND)", as a statement names where its fact comes from."""
    province = meta.get("province", "")
    so_hieu = meta.get("so_hieu", "")
    kind = meta.get("doc_type", "") or "Văn bản"
    ref = f"{kind} {so_hieu}" if so_hieu else meta.get("title", "")
    return f"{province} ({ref})" if province else ref


class Composer:
    """``compose(base, analysis, chosen)`` fills ``base`` with the statement, the quotes and citations."""

    def __init__(self, corpus: CorpusView, coverage: Coverage) -> None:
        self.corpus = corpus
        self.coverage = coverage
        self.weights = coverage.weights

    def compose(self, base: Answer, analysis: QueryAnalysis, chosen: list[Evidence]) -> Answer:
        citations, by_line, items_for = self._citations(analysis, chosen)
        lead: list[str] = []
        multi_doc = len({e.doc.metadata["doc_id"] for e in chosen}) > 1
        listed: set[str] = set()
        for e in chosen:
            n = by_line[(e.doc.id or "", e.line_start)]
            items = items_for.get(n, [])
            if items and set(items) <= listed:
                continue  # the article's heading and its lead-in both list the same items: say them once
            listed.update(items)
            sentence = direct(e.analysis or analysis, e, n, multi_doc, items)
            if sentence and sentence not in lead:
                lead.append(sentence)
        head = "\n".join(f"- {s}" for s in lead) if len(lead) > 1 else lead[0]
        body = ["", "**Căn cứ:**"]
        for c in citations:
            body.append(f"- [{c.n}] {doc_label(asdict(c))}, {c.section}: “{c.text}”")
        base.answer = head + "\n" + "\n".join(body)
        base.abstained = False
        base.citations = citations
        return base

    def _citations(self, analysis: QueryAnalysis, chosen: list[Evidence],
                   ) -> tuple[list[Citation], dict[tuple[str, int], int], dict[int, list[str]]]:
        """One citation per quoted line (its number by (chunk, line)), and the list items of each."""
        citations: list[Citation] = []
        by_line: dict[tuple[str, int], int] = {}
        items_for: dict[int, list[str]] = {}
        for e in chosen:
            key = (e.doc.id or "", e.line_start)
            if key in by_line:
                continue
            meta = e.doc.metadata
            quoted, items = quote(e), []
            if analysis.intent == "list" or analysis.sub_intent == "list":
                quoted, items = self.list_quote(e, content_terms(analysis))
            elif e.fact and "|" not in e.fact and e.fact.split("; ")[0] not in quoted:
                quoted = with_label_line(e, quoted)  # the "- Sở X chủ trì …:" line the fact came from
            lo, hi = locate(e.doc.page_content, quoted, e.line_start)
            base_offset = int(meta.get("start", 0))
            citations.append(Citation(
                n=len(citations) + 1, chunk_id=meta.get("chunk_id", e.doc.id or ""), doc_id=meta["doc_id"],
                title=meta.get("title", ""), so_hieu=meta.get("so_hieu", ""), province=meta.get("province", ""),
                section=meta.get("section", ""), text=quoted, start=base_offset + lo, end=base_offset + hi))
            by_line[key] = citations[-1].n
            items_for[citations[-1].n] = items
        return citations, by_line, items_for

    def list_quote(self, e: Evidence, terms: list[str] | None = None) -> tuple[str, list[str]]:
        """For list questions: the items under the evidence line, or under the heading above it that
        matches the question best (sub-items in the chunk, or the titles of sub-sections)."""
        inline = inline_items(e.line)
        if len(inline) >= 3:
            return quote(e), inline  # "… 6 nội dung, đó là: (1) …; (2) …": the line lists them itself
        best: tuple[float, str, list[str]] | None = None
        own = self.coverage(terms, e.line, "") if terms else 0.0
        for head in [e.line, *reversed(e.governors)]:
            probe = Evidence(e.doc, head, e.doc.page_content.find(head), head, 0.0, 0.0, "", [])
            quoted, items = self.items_under(probe)
            if len(items) >= 2:
                score = self.coverage(terms or [], head, "") if terms else 0.0
                if head != e.line and score < own and _is_item(e.line, items):
                    continue  # the line is an item of that list and answers better than its heading does
                if best is None or score > best[0] + self.weights.list_heading_margin:
                    best = (score, quoted, items)
        if best:
            return best[1], best[2]
        marker = match_marker(e.line.strip())
        if marker and marker[0] in {"letter", "arabic", "bullet"}:
            # one item of a list split over chunks ("đ) …" under "2. Hồ sơ … gồm có" in an earlier chunk):
            # the items under the heading its section is filed under
            items = [strip_marker(x) for x in self._items_of_section(e)]
            if len(items) >= 2:
                return quote(e), items
        return quote(e), []

    def items_under(self, e: Evidence) -> tuple[str, list[str]]:
        """The items under the line ``e``: its child lines in the chunk, else the titles of the sections
        below its heading in the document's outline (when they are in later chunks)."""
        lines = lines_with_governors(e.doc.page_content)
        children = [ln for ln, _, gov in lines if gov and gov[-1] == e.line]
        if len(children) >= 2:
            quote_lines = [e.line.strip()]
            for ln in children:
                if sum(len(x) for x in quote_lines) + len(ln) > QUOTE_MAX * 2:
                    break
                quote_lines.append(ln.strip())
            return "\n".join(quote_lines), [strip_marker(c).rstrip(" ;.,") for c in children]
        # one child in this chunk ("2. … / a) …" where b), c) are later chunks): look at the outline
        marker = match_marker(e.line.strip())
        if not marker and e.line.rstrip(" *").endswith(":"):
            # "… bao gồm:" closing its chunk: the items are the sections below the chunk's own, or the
            # list lines that follow it in the document
            subs = self._sub_sections(e, None)
            if len(subs) < 2 or all(_BARE_LABEL.fullmatch(x) for x in subs):
                subs = self._lines_after(e)
        elif not marker or marker[0] == "bullet":
            return quote(e), []
        else:
            subs = self._sub_sections(e, marker[1])
            if subs and all(_BARE_LABEL.fullmatch(x) for x in subs):
                # the sections below are chunks named by the items they hold ("1–4", "5.", "6–9"), not titles:
                # the items are the list lines under the heading (after its title or lead-in paragraph)
                subs = self._lines_after(e, lead=1)
        items = [x for x in (strip_marker(x) for x in subs) if x.strip(" .:|")]
        if len(items) >= 2:  # sections with a title, not bare table-row numbers
            return quote(e), items
        return quote(e), []

    def _lines_after(self, e: Evidence, limit: int = 12, lead: int = 0) -> list[str]:
        """The list lines that follow line ``e`` in the document's text (one list: the marker kind of the
        first one), up to ``limit``; after at most ``lead`` unmarked lines (a heading's title or lead-in)."""
        meta = e.doc.metadata
        text = self.corpus.text(meta.get("doc_id", ""))
        at = int(meta.get("start", 0)) + e.line_start + len(e.line)
        if not text or text[at - len(e.line): at] != e.line:
            return []
        rest = text[at:].lstrip("\n")
        for _ in range(lead):
            first, _, after = rest.partition("\n")
            if match_marker(first.strip()) is not None:
                break
            rest = after
        return _list_from(rest, limit)

    def _items_of_section(self, e: Evidence, limit: int = 12) -> list[str]:
        """The items of the list an item line belongs to, read in the document's text under the heading
        that the chunk's section path files it under ("… › 2. Hồ sơ … gồm có › đ)–e)")."""
        meta = e.doc.metadata
        parts = meta.get("section", "").split(" › ")
        if len(parts) >= 2 and _RANGE_LABEL.fullmatch(parts[-1]):
            parts = parts[:-1]  # "đ)–e)": the items this chunk holds, not a heading
        heading = parts[-1] if parts else ""
        text = self.corpus.text(meta.get("doc_id", ""))
        chunk_start = int(meta.get("start", 0))
        if not text or len(heading) < 8 or match_marker(e.line.strip()) == match_marker(heading):
            return []
        at = text.rfind(heading, 0, chunk_start + 1)
        if at < 0 or chunk_start - at > 20_000:
            return []
        end = text.find("\n", at)
        return _list_from(text[end:], limit) if end >= 0 else []

    def _sub_sections(self, e: Evidence, number: str | None) -> list[str]:
        """The labels of the sections just below the heading numbered ``number`` in the section path
        (below the chunk's own section when ``number`` is None)."""
        section = e.doc.metadata.get("section", "")
        parts = section.split(" › ")
        # the heading's own path: the ancestor whose label carries the line's number
        for depth in range(len(parts), 0, -1):
            if number is not None and parts[depth - 1].startswith(number):
                section = " › ".join(parts[:depth])
                break
        prefix = section + " › "
        subs: list[str] = []
        for path in self.corpus.outline.get(e.doc.metadata.get("doc_id", ""), []):
            if path.startswith(prefix):
                child = path[len(prefix):].split(" › ")[0]
                if child not in subs:
                    subs.append(child)
        return subs


#: A section label that names the items a chunk holds ("đ)–e)", "1–3", "[Phần 2]"), not a heading.
_RANGE_LABEL = re.compile(r"[\wđ]{1,4}[.)]?\s*–\s*[\wđ]{1,4}[.)]?|\[Phần \d+\]")
#: A chunk's section label that is only its items' numbers ("1–4", "5.") or a part ("[Phần 2]"): no title.
_BARE_LABEL = re.compile(r"[\d–\-\s.]+|\[Phần \d+\]")
_ENDS_SENTENCE = re.compile(r"[.;:!?…]['\"”’)\]]*$")


def _is_item(line: str, items: list[str]) -> bool:
    """``line`` is one of ``items`` (compared on their starts: an item read from the text may be joined or cut)."""
    start = strip_marker(line).strip()[:40]
    return bool(start) and any(item.strip().startswith(start) for item in items)


def _list_from(text: str, limit: int) -> list[str]:
    """The list at the start of ``text``: its lines of the first line's marker kind, each with the lines that
    continue it (a hard-wrapped item, "1. Vi phạm … của Bộ" + "Tư pháp về …"), up to ``limit`` items."""
    items: list[str] = []
    kind = None
    for line in text.lstrip("\n").split("\n"):
        marker = match_marker(line.strip())
        if marker is None and items and line.strip() and not _ENDS_SENTENCE.search(items[-1]):
            items[-1] = f"{items[-1]} {line.strip()}"
            continue
        if marker is None or (kind is not None and marker[0] != kind) or len(items) >= limit:
            break
        kind = marker[0]
        items.append(line.strip())
    return [x.rstrip(" ;.,") for x in items]


def direct(analysis: QueryAnalysis, e: Evidence, n: int, multi_doc: bool, items: list[str] | None = None) -> str:
    """First sentence: the answer itself, built only from facts found in the quoted sentence."""
    where = short_doc(e.doc.metadata)
    fact = e.fact or ""
    intent = analysis.intent
    if fact and "|" in fact and intent == "definition":
        abbr, expansion = fact.split("|", 1)
        return f"**{abbr}** là {expansion} (theo {where}) [{n}]."
    intent = analysis.sub_intent if intent == "comparison" else intent
    person = asks_person(analysis)
    if fact and (analysis.relation or person):
        return f"{where}: {', '.join(f'**{p}**' for p in fact.split('; '))} [{n}]."
    if fact and intent == "who_leads":
        fields = extract.role_fields(e.sentence)
        if fields and fact in {f.text for f in fields.values()}:
            # a labelled field: the role its label gives ("Cơ quan thực hiện: …" -> "thực hiện")
            role = next(k for k, f in fields.items() if f.text == fact)
        elif " | " in e.line or fields:
            # a table column or a labelled field: the role is the one asked, which chose the column
            role = "phối hợp" if asks_partner(analysis) else "chủ trì"
        else:
            role = next((r for r in (analysis.roles or []) if r in fold(e.sentence) or r in e.sentence.lower()), None)
            role = role or next((r.text.lower() for r in extract.roles(" ".join([*e.governors, e.sentence]))), None)
        if role is None:  # the text gives no role word ("Thủ tướng Chính phủ ra quyết định …"): claim none
            return f"{where}: **{fact}** [{n}]."
        topic = topic_after_role(analysis.question)
        return f"{where}: **{fact}** {role}{' ' + topic if topic else ''} [{n}]."
    if fact and intent == "target":
        clauses = fact_clauses(e.sentence, fact.split("; "))
        if clauses:
            return f"{where}: {clauses} [{n}]."
    if fact and intent in {"target", "deadline", "comparison"} or (fact and person):
        parts = [f"**{p}**" for p in fact.split("; ")]
        return f"{where}: {', '.join(parts)} [{n}]."
    if items:
        # the text's own count ("07 nhóm nhiệm vụ, gồm: …") is quoted; items split on ";" may not match it
        count = "" if re.search(r"\b\d+\s+(?:nhóm|nội dung|nhiệm vụ|giải pháp|lĩnh vực|mục tiêu)", e.line) \
            else f" {len(items)} nội dung"
        return f"Theo {where}, gồm{count} [{n}]: " + "; ".join(items) + "."
    sentence = e.sentence.strip()
    if intent in POLAR_INTENTS and denies(analysis, sentence):
        return f"**Không.** Theo {where} [{n}]: “{sentence}”"
    return f"Theo {where} [{n}]: “{sentence}”"


def fact_clauses(sentence: str, facts: list[str]) -> str:
    """The clauses of ``sentence`` that hold ``facts``, with the facts in bold: a number is stated with
    what it measures ("Tỷ lệ hồ sơ giải quyết trực tuyến … **đạt tối thiểu 50%**"). Empty when a
    clause is too long to serve as a statement."""
    out: list[str] = []
    for fact in facts:
        at = sentence.find(fact)
        if at < 0:
            return ""
        held_in = clause(sentence, at, at + len(fact))
        lo = sentence.find(held_in)
        # a clause cut at commas when long: keep the part around the number
        if len(held_in) > CLAUSE_MAX:
            rel = at - lo
            start = held_in.rfind(",", 0, max(0, rel - 120)) + 1
            end = held_in.find(",", rel + len(fact) + 60)
            held_in = held_in[start: end if end > 0 else len(held_in)]
            if len(held_in) > CLAUSE_MAX:
                return ""
        held_in = re.sub(r"^\s*(?:[-+•*]|\d+(?:\.\d+)*\.|[a-zđ]\))\s*", "", held_in.strip()).strip(" ;,.")
        if fact not in held_in:
            return ""
        bolded = held_in.replace(fact, f"**{fact}**", 1)
        if bolded not in out:
            out.append(bolded)
    return "; ".join(out)
