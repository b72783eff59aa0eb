"""Pure functions that turn an answer into the web chat's HTML.

Everything that comes from a question, a document or the answerer is HTML-escaped here, so text such
as ``<script>`` in a question or a source document is shown as text and never runs. (Gradio's own
sanitiser runs in the browser as a second line of defence.) The chat renders each message as
Markdown with HTML blocks, and a CommonMark HTML block ends at a blank line, so every fragment built
here is a single line: newlines in texts become ``<br>``.

An answer message is: the direct answer (with inline ``[n]`` markers), then one card per source —
document title, số hiệu, section path, the quoted passage with the supporting words marked, and a
``<details>`` that expands to the full section with the quote marked inside it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.lexicon.text import fold, has_diacritics

#: Longest section text shown when a source is expanded (characters); longer sections are windowed
#: around the quote.
SECTION_MAX_CHARS = 12000
BASIS_HEADING = "**Căn cứ:**"

SOURCE_KINDS = {
    "official text": "Văn bản chính thức",
    "official text (truncated)": "Văn bản chính thức (bản trích)",
    "news summary": "Bản tin tóm tắt (không phải toàn văn)",
}

# Question words that say what kind of question it is, not what it is about; never highlighted.
_QUESTION_WORDS_TEXT = (
    "ai gì nào bao nhiêu là có không của cho em hỏi mình muốn biết với được những các và thì sao thế như ra "
    "ở tại trong theo về phải đúng chưa bạn ơi ạ nhé vậy này đó ấy khi giờ còn hay hoặc đâu mấy vào hãy "
    "xin cảm ơn vui lòng tôi chúng ta nêu kể liệt kê so sánh "
    "what who which when where how is are was the of in for by and does do to a an whats"
)
_QUESTION_WORDS = set(_QUESTION_WORDS_TEXT.split())
# For questions typed without accents: only folded forms that are not also common content syllables
# ("tai" is tại and tài, "co" có and cơ, "ke" kể and kế, "so" so and số, "ban" bạn and bản …).
_ACCENTLESS_QUESTION_WORDS_TEXT = (
    "ai gi nao bao nhieu la khong cua em hoi minh muon biet voi duoc nhung cac va thi sao o trong theo chua oi "
    "a nhe vay nay ay khi con hoac dau may hay xin toi "
    "what who which when where how is are was the of in for by and does do to an whats"
)
_ACCENTLESS_QUESTION_WORDS = set(_ACCENTLESS_QUESTION_WORDS_TEXT.split())
_WORD = re.compile(r"\w+", re.UNICODE)
_REF = re.compile(r"\[(\d{1,3})\]")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


# -- small helpers -------------------------------------------------------------------------------

def esc(text: object) -> str:
    """HTML-escape any value (quotes included)."""
    return html.escape("" if text is None else str(text), quote=True)


def _lines_to_html(escaped: str) -> str:
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


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
    """One line of the answerer's Markdown subset (``**bold**``, ``_italic_``, ``[n]``) as safe HTML."""
    out = esc(markdown_line)
    out = _BOLD.sub(lambda m: f"<strong>{m.group(1)}</strong>", out)
    out = re.sub(r"(?<![\w*])_(\S(?:.*?\S)?)_(?!\w)", lambda m: f"<em>{m.group(1)}</em>", out)
    return _REF.sub(lambda m: f'<span class="cchc-ref" title="Nguồn {m.group(1)}">[{m.group(1)}]</span>', out)


def markdown_html(markdown: str) -> str:
    """Paragraphs and ``- `` lists of the answerer's Markdown as one line of safe HTML."""
    parts: list[str] = []
    items: list[str] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            parts.append("<p>" + "<br>".join(inline_html(x) for x in para) + "</p>")
            para.clear()
        if items:
            parts.append("<ul>" + "".join(f"<li>{inline_html(x)}</li>" for x in items) + "</ul>")
            items.clear()

    for raw in (markdown or "").splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif re.match(r"^[-*]\s+", line):
            if para:
                flush()
            items.append(re.sub(r"^[-*]\s+", "", line))
        else:
            if items:
                flush()
            para.append(line)
    flush()
    return "".join(parts)


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

Span = tuple[int, int, str]


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
    accentless = not has_diacritics(question or "")
    if accentless:
        return {fold(w) for w in words if fold(w) not in _ACCENTLESS_QUESTION_WORDS}, True
    return {w for w in words if w not in _QUESTION_WORDS}, False


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


def highlight(text: str, spans: Iterable[Span]) -> str:
    """``text`` escaped, with each span wrapped in ``<mark class=…>`` (the stronger class wins where
    spans overlap) and newlines as ``<br>``."""
    classes: list[str | None] = [None] * len(text)
    for start, end, cls in spans:
        for i in range(max(0, start), min(len(text), end)):
            if classes[i] is None or _PRIORITY.get(cls, 0) > _PRIORITY.get(classes[i] or "", 0):
                classes[i] = cls
    out: list[str] = []
    i = 0
    while i < len(text):
        cls = classes[i]
        j = i
        while j < len(text) and classes[j] == cls:
            j += 1
        piece = _lines_to_html(esc(text[i:j]))
        out.append(f'<mark class="{cls}">{piece}</mark>' if cls else piece)
        i = j
    return "".join(out)


# -- section text --------------------------------------------------------------------------------

@dataclass(frozen=True)
class SectionText:
    """A section (or a window of it) and where the quote sits in it."""

    text: str
    quote_start: int  # offsets into ``text``; -1 when the quote was not found
    quote_end: int
    truncated_before: bool = False
    truncated_after: bool = False


def _meta(chunk: Any) -> dict[str, Any]:
    return chunk.metadata if hasattr(chunk, "metadata") else chunk.get("metadata", {})


def _chunk_id(chunk: Any) -> str:
    return chunk.chunk_id if hasattr(chunk, "chunk_id") else chunk.get("chunk_id", "")


def section_bounds(chunks: Sequence[Any], doc_id: str, section: str, chunk_id: str | None = None,
                   near: int | None = None) -> tuple[int, int] | None:
    """Start and end (in the document's canonical text) of the run of consecutive chunks of
    ``doc_id`` that share ``section`` and contain ``chunk_id`` (or the offset ``near``, or the first
    such run). ``chunks`` are objects or dicts with ``chunk_id`` and ``metadata``."""
    mine = sorted((c for c in chunks if _meta(c).get("doc_id") == doc_id),
                  key=lambda c: (int(_meta(c).get("chunk_index", 0)), int(_meta(c).get("start", 0))))
    runs: list[list[Any]] = []
    for c in mine:
        if _meta(c).get("section") != section:
            continue
        prev = runs[-1][-1] if runs else None
        if prev is not None and int(_meta(c).get("chunk_index", -9)) == int(_meta(prev).get("chunk_index", -9)) + 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    if not runs:
        return None
    chosen = runs[0]
    for run in runs:
        if chunk_id and any(_chunk_id(c) == chunk_id for c in run):
            chosen = run
            break
        if near is not None and any(int(_meta(c)["start"]) <= near < int(_meta(c)["end"]) for c in run):
            chosen = run
            break
    return int(_meta(chosen[0])["start"]), max(int(_meta(c)["end"]) for c in chosen)


def section_text(doc_text: str, bounds: tuple[int, int], quote: str = "", quote_start: int | None = None,
                 max_chars: int = SECTION_MAX_CHARS) -> SectionText:
    """The section's text from the canonical document text, with the quote located in it; a section
    longer than ``max_chars`` is cut to a window around the quote."""
    start, end = bounds
    text = doc_text[start:end]
    qs = -1
    if quote:
        if quote_start is not None and doc_text[quote_start:quote_start + len(quote)] == quote \
                and start <= quote_start <= end - len(quote):
            qs = quote_start - start
        else:
            qs = text.find(quote)
    qe = qs + len(quote) if qs >= 0 else -1
    before = after = False
    if len(text) > max_chars:
        centre = qs if qs >= 0 else 0
        lo = max(0, min(centre - max_chars // 3, len(text) - max_chars))
        hi = lo + max_chars
        before, after = lo > 0, hi < len(text)
        text = text[lo:hi]
        if qs >= 0:
            qs, qe = qs - lo, min(qe - lo, len(text))
    return SectionText(text, qs, qe, before, after)


# -- cards ---------------------------------------------------------------------------------------

def doc_label(meta: Mapping[str, Any]) -> str:
    title = str(meta.get("title", "") or meta.get("doc_id", ""))
    so_hieu = str(meta.get("so_hieu", "") or "")
    return f"{title} ({so_hieu})" if so_hieu and so_hieu not in title else title


def _section_details(section: SectionText | None, facts: Sequence[str]) -> str:
    if section is None or not section.text:
        return ""
    spans: list[Span] = fact_spans(section.text, facts)
    if section.quote_start >= 0:
        spans.append((section.quote_start, section.quote_end, "cchc-quote"))
    body = highlight(section.text, spans)
    if section.truncated_before:
        body = "… " + body
    if section.truncated_after:
        body += " …"
    size = f"{len(section.text):,}".replace(",", ".")
    return ('<details class="cchc-full"><summary>Xem toàn văn mục'
            f' <span class="cchc-muted">({size} ký tự)</span></summary>'
            f'<div class="cchc-section-text">{body}</div></details>')


def source_card(citation: Mapping[str, Any] | Any, *, question: str = "", facts: Sequence[str] = (),
                section: SectionText | None = None) -> str:
    """One source: [n], title and số hiệu, section path, the quote with supporting words marked, and
    an expandable full section."""
    c = as_dict(citation)
    quote = str(c.get("text", ""))
    spans = fact_spans(quote, facts) + term_spans(quote, question)
    section_path = str(c.get("section", ""))
    head_spans = fact_spans(section_path, facts)
    so_hieu = str(c.get("so_hieu", "") or "")
    title = str(c.get("title", "") or c.get("doc_id", ""))
    badges = "".join(f'<span class="cchc-badge">{esc(x)}</span>' for x in (so_hieu, c.get("province", "")) if x)
    return (f'<div class="cchc-card" data-n="{esc(c.get("n", ""))}" data-doc="{esc(c.get("doc_id", ""))}">'
            f'<div class="cchc-card-head"><span class="cchc-n">[{esc(c.get("n", ""))}]</span> '
            f'<span class="cchc-title">{esc(title)}</span> {badges}</div>'
            f'<div class="cchc-section"><span class="cchc-muted">Mục:</span> {highlight(section_path, head_spans)}</div>'
            f'<blockquote class="cchc-quote-text">{highlight(quote, spans)}</blockquote>'
            f"{_section_details(section, facts)}</div>")


def sources_html(citations: Sequence[Any], *, question: str = "", head: str = "",
                 sections: Mapping[int, SectionText | None] | None = None) -> str:
    if not citations:
        return ""
    facts = facts_by_citation(head)
    cards = []
    for cit in citations:
        c = as_dict(cit)
        n = int(c.get("n", 0) or 0)
        cards.append(source_card(c, question=question, facts=facts.get(n, []), section=(sections or {}).get(n)))
    return (f'<div class="cchc-sources"><div class="cchc-sources-h">Nguồn trích dẫn ({len(cards)})</div>'
            f'{"".join(cards)}</div>')


def related_html(related: Sequence[Mapping[str, Any]],
                 sections: Sequence[SectionText | None] | None = None) -> str:
    """The closest sections shown with an abstention, each expandable to its text."""
    if not related:
        return ""
    items = []
    for i, r in enumerate(related):
        sec = sections[i] if sections and i < len(sections) else None
        items.append(f'<div class="cchc-card cchc-related" data-doc="{esc(r.get("doc_id", ""))}">'
                     f'<div class="cchc-card-head"><span class="cchc-title">{esc(doc_label(r))}</span></div>'
                     f'<div class="cchc-section"><span class="cchc-muted">Mục:</span> {esc(r.get("section", ""))}</div>'
                     f"{_section_details(sec, ())}</div>")
    return ('<div class="cchc-sources"><div class="cchc-sources-h">Các mục có thể liên quan</div>'
            + "".join(items) + "</div>")


# -- whole messages ------------------------------------------------------------------------------

def user_html(question: str, max_chars: int = 4000) -> str:
    """The user's question as shown in the chat: plain text, never Markdown or HTML."""
    text = question or ""
    if len(text) > max_chars:
        text = text[:max_chars] + " …"
    return f'<div class="cchc-user">{_lines_to_html(esc(text))}</div>'


def answer_head_html(answer: Mapping[str, Any] | Any) -> str:
    """The part of an answer message that streams: the rewritten question (if any) and the direct
    answer with its [n] markers."""
    a = as_dict(answer)
    head, _ = split_answer(str(a.get("answer", "")))
    parts = []
    if a.get("scope"):
        parts.append(f'<p class="cchc-scope">Chỉ tìm trong: {esc(a["scope"])}</p>')
    if a.get("rewritten_question"):
        parts.append(f'<p class="cchc-rewritten">Câu hỏi được hiểu là: “{esc(a["rewritten_question"])}”</p>')
    if a.get("abstained"):
        first = head.split("\n\n")[0].strip()
        parts.append('<div class="cchc-abstain"><div class="cchc-abstain-h">Không tìm thấy câu trả lời trong các '
                     f"văn bản hiện có</div>{markdown_html(first)}"
                     '<p class="cchc-muted">Hãy thử diễn đạt lại câu hỏi, bỏ bớt bộ lọc, hoặc xem danh sách '
                     "văn bản ở thẻ “Về dữ liệu”.</p></div>")
    else:
        parts.append(f'<div class="cchc-direct">{markdown_html(head)}</div>')
    return "".join(parts)


def answer_html(answer: Mapping[str, Any] | Any, *, sections: Mapping[int, SectionText | None] | None = None,
                related_sections: Sequence[SectionText | None] | None = None) -> str:
    """A complete assistant message: the direct answer, then its source cards (or, for an
    abstention, the closest sections)."""
    a = as_dict(answer)
    head, _ = split_answer(str(a.get("answer", "")))
    question = str(a.get("rewritten_question") or a.get("question") or "")
    body = answer_head_html(a)
    if a.get("abstained"):
        body += related_html(a.get("related") or [], related_sections)
    else:
        body += sources_html(a.get("citations") or [], question=question, head=head, sections=sections)
    kind = "abstained" if a.get("abstained") else "answered"
    return f'<div class="cchc-answer cchc-{kind}">{body}</div>'


def notice_html(message: str, kind: str = "warn") -> str:
    """A short message (empty question, over-long question, internal error) as a chat bubble body
    or an inline notice."""
    if not message:
        return ""
    label = {"warn": "Lưu ý:", "error": "Lỗi:"}.get(kind, "")
    prefix = f"<strong>{label}</strong> " if label else ""
    return (f'<div class="cchc-notice cchc-notice-{esc(kind)}" role="alert">'
            f"{prefix}{_lines_to_html(esc(message))}</div>")


def pending_html() -> str:
    return '<div class="cchc-answer cchc-pending"><p class="cchc-muted">Đang tra cứu trong các văn bản…</p></div>'


# -- streaming -----------------------------------------------------------------------------------

_TOKEN = re.compile(r"(<[^>]+>)|(&#?\w+;)|([^<&]+)|([<&])")
_VOID = {"br", "hr", "img", "wbr"}


def progressive_html(fragment: str, frames: int = 16) -> list[str]:
    """Prefixes of an HTML fragment cut between words, each with its open tags closed, ending with
    the whole fragment; used to stream an answer that was computed at once."""
    tokens: list[tuple[str, str]] = []  # (kind, text): tag | text (one word with trailing space)
    for m in _TOKEN.finditer(fragment):
        if m.group(1):
            tokens.append(("tag", m.group(1)))
        elif m.group(2):
            tokens.append(("text", m.group(2)))
        else:
            tokens += [("text", w) for w in re.findall(r"\S+\s*|\s+", m.group(0))]
    words = sum(1 for k, _ in tokens if k == "text")
    if words <= 1 or frames <= 1:
        return [fragment]
    step = max(1, -(-words // frames))
    out: list[str] = []
    stack: list[str] = []
    pieces: list[str] = []
    seen = 0
    for kind, text in tokens:
        pieces.append(text)
        if kind == "tag":
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", text)
            tag = name.group(1).lower() if name else ""
            if text.startswith("</"):
                if tag in stack:
                    del stack[len(stack) - 1 - stack[::-1].index(tag):]
            elif tag and tag not in _VOID and not text.endswith("/>"):
                stack.append(tag)
            continue
        seen += 1
        if seen % step == 0 and seen < words:
            out.append("".join(pieces) + "".join(f"</{t}>" for t in reversed(stack)))
    out.append(fragment)
    return out


def progressive_text(text: str, frames: int = 16) -> list[str]:
    """Prefixes of plain text (or Markdown) cut after whole words, ending with the whole text."""
    words = re.findall(r"\S+\s*|\s+", text or "")
    if len(words) <= 1 or frames <= 1:
        return [text or ""]
    step = max(1, -(-len(words) // frames))
    out = ["".join(words[:i]).rstrip() for i in range(step, len(words), step)]
    out.append(text)
    return out


# -- the "Về dữ liệu" panel ----------------------------------------------------------------------

def _date_vi(iso: str) -> str:
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})$", iso or "")
    return f"{m.group(3)}/{m.group(2)}/{m.group(1)}" if m else (iso or "")


def documents_html(documents: Mapping[str, Mapping[str, Any]]) -> str:
    """The indexed documents with their metadata and chunk counts: a table on wide screens, one card
    per document on phones (each cell carries its column name in ``data-label``)."""
    docs = sorted(documents.items(), key=lambda kv: (str(kv[1].get("province", "")), kv[0]))
    provinces = {str(d.get("province", "")) for _, d in docs if d.get("province")}
    chunks = sum(int(d.get("chunks", 0) or 0) for _, d in docs)
    head = ("<thead><tr><th>Văn bản</th><th>Tỉnh</th><th>Ngày ban hành</th><th>Giai đoạn</th><th>Nguồn</th>"
            '<th class="cchc-num">Số đoạn</th></tr></thead>')
    rows = []
    for doc_id, d in docs:
        kind = " ".join(str(x) for x in (d.get("doc_type", ""), d.get("so_hieu", "")) if x)
        issuer = str(d.get("issuer", "") or "")
        sub = " · ".join(x for x in (kind, issuer) if x)
        source = SOURCE_KINDS.get(str(d.get("source_kind", "")), str(d.get("source_kind", "")))
        rows.append(
            f'<tr data-doc="{esc(doc_id)}">'
            f'<td data-label="Văn bản"><div class="cchc-doc-title">{esc(d.get("title", doc_id))}</div>'
            f'<div class="cchc-muted">{esc(sub)}</div><div class="cchc-muted">Mã: <code>{esc(doc_id)}</code></div></td>'
            f'<td data-label="Tỉnh">{esc(d.get("province", ""))}</td>'
            f'<td data-label="Ngày ban hành">{esc(_date_vi(str(d.get("date_issued", ""))) or "—")}</td>'
            f'<td data-label="Giai đoạn">{esc(d.get("period", "") or "—")}</td>'
            f'<td data-label="Nguồn">{esc(source)}</td>'
            f'<td data-label="Số đoạn" class="cchc-num">{esc(d.get("chunks", 0))}</td></tr>')
    summary = (f"<p><strong>{len(docs)}</strong> văn bản của <strong>{len(provinces)}</strong> tỉnh, "
               f"<strong>{chunks}</strong> đoạn đã được lập chỉ mục.</p>")
    return f'<div class="cchc-docs">{summary}<table class="cchc-doc-table">{head}<tbody>{"".join(rows)}</tbody></table></div>'
