"""What the chat shows for an answer, as HTML: the direct answer with its ``[n]`` markers, then one card
per source — document title, số hiệu, section path, the quoted passage with the supporting words
marked, and a ``<details>`` that expands to the full section with the quote marked inside it — plus the
user's question and notices.

This module decides *what* to mark (the answer's bold facts, runs of words shared with the question)
and prepares the data; the markup itself is in ``templates/*.html.j2`` (see
:mod:`assistant.web.templating`, which also explains why every fragment is one line). Everything that
comes from a question, a document or the answerer is HTML-escaped, so text such as ``<script>`` is
shown as text and never runs; Gradio's sanitiser runs in the browser as a second line of defence.

Functions return plain ``str``; :class:`~markupsafe.Markup` is used only inside, to hand HTML built here
to another template.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from markupsafe import Markup

from assistant.lexicon.text import fold, has_diacritics
from assistant.lexicon.vocabulary import stopwords
from assistant.web.page import SOURCE_KINDS, documents_html
from assistant.web.sections import SECTION_MAX_CHARS, SectionText, section_bounds, section_text
from assistant.web.streaming import progressive_html, progressive_text
from assistant.web.templating import render

__all__ = [  # the documents list, sections and streaming helpers are re-exported: callers know them as rendering's
    "BASIS_HEADING", "HIGHLIGHT_STOPWORDS", "SECTION_MAX_CHARS", "SOURCE_KINDS", "SectionText", "Span",
    "answer_head_html", "answer_html", "as_dict", "doc_label", "documents_html", "esc", "fact_spans",
    "facts_by_citation", "fold_same_length", "highlight", "inline_html", "markdown_html", "notice_html",
    "pending_html", "progressive_html", "progressive_text", "related_html", "section_bounds", "section_text",
    "source_card", "sources_html", "split_answer", "streaming_html", "term_spans", "user_html",
]

# lexicon/data/stopwords.toml [highlight]: words of a question that say what kind of question it is, not what it is about; they are never
# highlighted in a quote. "accented" is used for questions typed with diacritics; "accentless" (compared
# after folding) for questions typed without them, and lists only folded forms that are not also common
# content syllables ("tai" is tại and tài, "co" có and cơ, "ke" kể and kế, "so" so and số, "ban" bạn and bản …).
HIGHLIGHT_STOPWORDS: dict[str, frozenset[str]] = {
    "accented": stopwords("highlight", "accented"),
    "accentless": stopwords("highlight", "accentless"),
}

BASIS_HEADING = "**Căn cứ:**"

_WORD = re.compile(r"\w+", re.UNICODE)
_REF = re.compile(r"\[(\d{1,3})\]")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])_(\S(?:.*?\S)?)_(?!\w)")
_LIST_ITEM = re.compile(r"^[-*]\s+")

Span = tuple[int, int, str]


# -- small helpers -------------------------------------------------------------------------------

def esc(text: object) -> str:
    """HTML-escape any value (quotes included); None is empty."""
    return html.escape("" if text is None else str(text), quote=True)


def _fold1(ch: str) -> str:
    """One character folded (lower-case, no diacritics), always one character long."""
    folded = fold(ch)
    if len(folded) == 1:
        return folded
    lower = ch.lower()
    return lower if len(lower) == 1 else ch


def fold_same_length(text: str) -> str:
    """``fold`` that keeps every character's position, so spans found in it apply to ``text``."""
    return "".join(_fold1(c) for c in text)


def _lower_same_length(text: str) -> str:
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def as_dict(obj: Any) -> dict[str, Any]:
    """A citation or answer as a plain dict (dataclasses and mappings both accepted)."""
    if isinstance(obj, Mapping):
        return dict(obj)
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(obj)
    return dict(vars(obj))


# -- answer text ---------------------------------------------------------------------------------

def split_answer(markdown: str) -> tuple[str, str]:
    """(direct answer, "Căn cứ" list) of the answerer's Markdown; the second part may be empty."""
    text = markdown or ""
    idx = text.find(BASIS_HEADING)
    if idx < 0:
        return text.strip(), ""
    return text[:idx].strip(), text[idx:].strip()


def inline_html(markdown_line: str) -> str:
    """One line of the answerer's Markdown subset (``**bold**``, ``_italic_``, ``[n]``) as safe HTML: the
    line is escaped first, then the markers become tags around the escaped text."""
    out = _BOLD.sub(r"<strong>\1</strong>", esc(markdown_line))
    out = _ITALIC.sub(r"<em>\1</em>", out)
    return _REF.sub(r'<span class="cchc-ref" title="Nguồn \1">[\1]</span>', out)


def _markdown_blocks(markdown: str) -> list[tuple[str, list[Markup]]]:
    """Paragraphs ("p", lines) and ``- `` lists ("ul", items) of the answerer's Markdown, each line as HTML."""
    blocks: list[tuple[str, list[Markup]]] = []
    kind, lines = "p", []

    def flush() -> None:
        if lines:
            blocks.append((kind, [Markup(inline_html(x)) for x in lines]))  # escaped by inline_html
            lines.clear()

    for raw in (markdown or "").splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        item = bool(_LIST_ITEM.match(line))
        if (kind == "ul") != item:
            flush()
            kind = "ul" if item else "p"
        lines.append(_LIST_ITEM.sub("", line) if item else line)
    flush()
    return blocks


def _markdown(markdown: str) -> Markup:
    return render("chat.html.j2", "markdown", _markdown_blocks(markdown))


def markdown_html(markdown: str) -> str:
    """Paragraphs and ``- `` lists of the answerer's Markdown as one line of safe HTML."""
    return str(_markdown(markdown))


def facts_by_citation(head: str) -> dict[int, list[str]]:
    """The bold facts of the direct answer, by the ``[n]`` marker(s) on the same line."""
    out: dict[int, list[str]] = {}
    for line in (head or "").splitlines():
        facts = [f.strip() for f in _BOLD.findall(line) if f.strip()]
        for n in {int(x) for x in _REF.findall(line)}:
            out.setdefault(n, [])
            out[n] += [f for f in facts if f not in out[n]]
    return out


# -- highlighting --------------------------------------------------------------------------------

def fact_spans(text: str, facts: Iterable[str], cls: str = "cchc-fact") -> list[Span]:
    """Every occurrence of each fact in ``text`` (case-insensitive; accent-insensitive as a fallback)."""
    spans: list[Span] = []
    lower, folded = _lower_same_length(text), fold_same_length(text)
    for fact in facts:
        fact = (fact or "").strip()
        if len(fact) < 2:
            continue
        found = False
        for haystack, needle in ((lower, _lower_same_length(fact)), (folded, fold_same_length(fact))):
            for m in re.finditer(re.escape(needle), haystack):
                spans.append((m.start(), m.end(), cls))
                found = True
            if found:
                break
    return spans


def _question_terms(question: str) -> tuple[set[str], bool]:
    """Content words of the question and whether to compare them accent-insensitively."""
    words = [w.lower() for w in _WORD.findall(question or "")]
    if not has_diacritics(question or ""):
        return {fold(w) for w in words if fold(w) not in HIGHLIGHT_STOPWORDS["accentless"]}, True
    return {w for w in words if w not in HIGHLIGHT_STOPWORDS["accented"]}, False


def term_spans(text: str, question: str, cls: str = "cchc-term") -> list[Span]:
    """Runs of words shared with the question: two or more adjacent words (phrases such as "tài
    chính công"), or a single number or acronym (2025, SIPAS). Lone common words are left alone."""
    terms, accentless = _question_terms(question)
    if not terms:
        return []
    words = list(_WORD.finditer(text))
    spans: list[Span] = []
    run: list[re.Match[str]] = []

    def close() -> None:
        if not run:
            return
        single = run[0].group()
        if len(run) >= 2 or any(ch.isdigit() for ch in single) or (single.isupper() and len(single) >= 3):
            spans.append((run[0].start(), run[-1].end(), cls))
        run.clear()

    for i, m in enumerate(words):
        word = m.group().lower()
        key = fold(word) if accentless else word
        if key in terms:
            if run and text[words[i - 1].end():m.start()].strip():
                close()
            run.append(m)
        else:
            close()
    close()
    return spans


_PRIORITY = {"cchc-fact": 3, "cchc-term": 2, "cchc-quote": 1}


def _marked_pieces(text: str, spans: Iterable[Span]) -> list[tuple[str | None, str]]:
    """``text`` cut into (class or None, piece) runs; the stronger class wins where spans overlap."""
    classes: list[str | None] = [None] * len(text)
    for start, end, cls in spans:
        for i in range(max(0, start), min(len(text), end)):
            if classes[i] is None or _PRIORITY.get(cls, 0) > _PRIORITY.get(classes[i] or "", 0):
                classes[i] = cls
    pieces: list[tuple[str | None, str]] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and classes[j] == classes[i]:
            j += 1
        pieces.append((classes[i], text[i:j]))
        i = j
    return pieces


def _highlight(text: str, spans: Iterable[Span]) -> Markup:
    return render("sources.html.j2", "highlight", _marked_pieces(text, spans))


def highlight(text: str, spans: Iterable[Span]) -> str:
    """``text`` escaped, with each span wrapped in ``<mark class=…>`` (the stronger class wins where
    spans overlap) and newlines as ``<br>``."""
    return str(_highlight(text, spans))


# -- cards ---------------------------------------------------------------------------------------

def doc_label(meta: Mapping[str, Any]) -> str:
    title = str(meta.get("title", "") or meta.get("doc_id", ""))
    so_hieu = str(meta.get("so_hieu", "") or "")
    return f"{title} ({so_hieu})" if so_hieu and so_hieu not in title else title


def _section_viewer(section: SectionText | None, facts: Sequence[str]) -> Markup:
    """The expandable full section, with the quote and the facts marked; nothing without a section."""
    if section is None or not section.text:
        return Markup("")
    spans: list[Span] = fact_spans(section.text, facts)
    if section.quote_start >= 0:
        spans.append((section.quote_start, section.quote_end, "cchc-quote"))
    size = f"{len(section.text):,}".replace(",", ".")
    return render("sources.html.j2", "section_viewer", _highlight(section.text, spans), size,
                  section.truncated_before, section.truncated_after)


def _source_card(citation: Mapping[str, Any] | Any, question: str, facts: Sequence[str],
                 section: SectionText | None) -> Markup:
    c = as_dict(citation)
    quote = str(c.get("text", ""))
    section_path = str(c.get("section", ""))
    badges = [x for x in (str(c.get("so_hieu", "") or ""), c.get("province", "")) if x]
    return render("sources.html.j2", "source_card", c.get("n", ""), c.get("doc_id", ""),
                  str(c.get("title", "") or c.get("doc_id", "")), badges,
                  _highlight(section_path, fact_spans(section_path, facts)),
                  _highlight(quote, fact_spans(quote, facts) + term_spans(quote, question)),
                  _section_viewer(section, facts))


def source_card(citation: Mapping[str, Any] | Any, *, question: str = "", facts: Sequence[str] = (),
                section: SectionText | None = None) -> str:
    """One source: [n], title and số hiệu, section path, the quote with supporting words marked, and
    an expandable full section."""
    return str(_source_card(citation, question, facts, section))


def _sources(citations: Sequence[Any], question: str, head: str,
             sections: Mapping[int, SectionText | None] | None) -> Markup:
    if not citations:
        return Markup("")
    facts = facts_by_citation(head)
    cards = []
    for cit in citations:
        c = as_dict(cit)
        n = int(c.get("n", 0) or 0)
        cards.append(_source_card(c, question, facts.get(n, []), (sections or {}).get(n)))
    return render("sources.html.j2", "sources", cards)


def sources_html(citations: Sequence[Any], *, question: str = "", head: str = "",
                 sections: Mapping[int, SectionText | None] | None = None) -> str:
    """The source cards of an answer, the facts of each ``[n]`` marked in its card."""
    return str(_sources(citations, question, head, sections))


def _related(related: Sequence[Mapping[str, Any]], sections: Sequence[SectionText | None] | None) -> Markup:
    if not related:
        return Markup("")
    items = [{"doc_id": r.get("doc_id", ""), "label": doc_label(r), "section": r.get("section", ""),
              "viewer": _section_viewer(sections[i] if sections and i < len(sections) else None, ())}
             for i, r in enumerate(related)]
    return render("sources.html.j2", "related", items)


def related_html(related: Sequence[Mapping[str, Any]],
                 sections: Sequence[SectionText | None] | None = None) -> str:
    """The closest sections shown with an abstention, each expandable to its text."""
    return str(_related(related, sections))


# -- whole messages ------------------------------------------------------------------------------

def user_html(question: str, max_chars: int = 4000) -> str:
    """The user's question as shown in the chat: plain text, never Markdown or HTML."""
    text = question or ""
    if len(text) > max_chars:
        text = text[:max_chars] + " …"
    return str(render("chat.html.j2", "user", text))


def _answer_head(a: dict[str, Any]) -> Markup:
    head, _ = split_answer(str(a.get("answer", "")))
    abstained = bool(a.get("abstained"))
    if _unsure(a):
        return render("chat.html.j2", "unsure_head", a.get("scope"), a.get("rewritten_question"))
    return render("chat.html.j2", "answer_head", a.get("scope"), a.get("rewritten_question"), abstained,
                  _markdown(head.split("\n\n")[0].strip()) if abstained else None,
                  None if abstained else _markdown(head))


def _unsure(a: Mapping[str, Any]) -> bool:
    """Passages that may answer are shown, but no fact is stated (``"confident": false``)."""
    return not a.get("abstained") and a.get("confident") is False


def _kind(a: Mapping[str, Any]) -> str:
    return "abstained" if a.get("abstained") else "unsure" if _unsure(a) else "answered"


def answer_head_html(answer: Mapping[str, Any] | Any) -> str:
    """The part of an answer message that streams: the rewritten question (if any) and the direct
    answer with its [n] markers."""
    return str(_answer_head(as_dict(answer)))


def answer_html(answer: Mapping[str, Any] | Any, *, sections: Mapping[int, SectionText | None] | None = None,
                related_sections: Sequence[SectionText | None] | None = None) -> str:
    """A complete assistant message: the direct answer, then its source cards (or, for an
    abstention, the closest sections)."""
    a = as_dict(answer)
    head, _ = split_answer(str(a.get("answer", "")))
    question = str(a.get("rewritten_question") or a.get("question") or "")
    if a.get("abstained"):
        body = _answer_head(a) + _related(a.get("related") or [], related_sections)
    else:
        body = _answer_head(a) + _sources(a.get("citations") or [], question, head, sections)
    return str(render("chat.html.j2", "answer", _kind(a), body))


def streaming_html(head_prefix: str, kind: str) -> str:
    """A message while it streams: a prefix of :func:`answer_head_html` (from ``progressive_html``);
    ``kind`` is answered, unsure or abstained."""
    return str(render("chat.html.j2", "answer", kind, Markup(head_prefix), streaming=True))  # HTML built here


def notice_html(message: str, kind: str = "warn") -> str:
    """A short message (empty question, over-long question, internal error) as a chat bubble body
    or an inline notice; ``kind`` is warn, error or info."""
    if not message:
        return ""
    return str(render("chat.html.j2", "notice", message, kind))


def pending_html() -> str:
    return str(render("chat.html.j2", "pending"))
