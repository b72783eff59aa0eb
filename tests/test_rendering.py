"""The web chat's HTML: escaping, highlighting, section text, streaming prefixes (no pipeline needed)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from assistant.web import rendering as r

ANSWER = (
    "Lạng Sơn (Kế hoạch 249/KH-UBND): **Sở Tài chính** chủ trì [1].\n\n"
    "**Căn cứ:**\n"
    "- [1] Kế hoạch CCHC Lạng Sơn (249/KH-UBND), [Phần 5] › 6. Sở Tài chính › 6.1: “6.1. Chủ trì tham mưu …”"
)
QUOTE = "6.1. Chủ trì tham mưu, đề xuất Ủy ban nhân dân tỉnh thực hiện các nhiệm vụ về cải cách tài chính công."
DOC_TEXT = "Phần mở đầu.\n6. Sở Tài chính\n" + QUOTE + "\n7. Sở Nội vụ\n7.1. Chủ trì công tác cải cách tổ chức bộ máy."
SECTION_START = DOC_TEXT.index("6. Sở Tài chính")
SECTION_END = DOC_TEXT.index("7. Sở Nội vụ")
QUOTE_START = DOC_TEXT.index(QUOTE)
CITATION = {"n": 1, "chunk_id": "ls:0001", "doc_id": "ls", "title": "Kế hoạch CCHC Lạng Sơn", "so_hieu": "249/KH-UBND",
            "province": "Lạng Sơn", "section": "[Phần 5] › 6. Sở Tài chính › 6.1", "text": QUOTE,
            "start": QUOTE_START, "end": QUOTE_START + len(QUOTE)}
CHUNKS = [
    {"chunk_id": "ls:0000", "metadata": {"doc_id": "ls", "section": "Phần mở đầu", "chunk_index": 0, "start": 0,
                                         "end": SECTION_START}},
    {"chunk_id": "ls:0001", "metadata": {"doc_id": "ls", "section": CITATION["section"], "chunk_index": 1,
                                         "start": SECTION_START, "end": SECTION_END}},
    {"chunk_id": "ls:0002", "metadata": {"doc_id": "ls", "section": "[Phần 5] › 7. Sở Nội vụ", "chunk_index": 2,
                                         "start": SECTION_END, "end": len(DOC_TEXT)}},
]


class _Balance(HTMLParser):
    """Checks that every non-void tag is closed in order."""

    VOID = {"br", "hr", "img", "wbr", "meta", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ok = True

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.ok = False
        else:
            self.stack.pop()


def balanced(html: str) -> bool:
    parser = _Balance()
    parser.feed(html)
    parser.close()
    return parser.ok and not parser.stack


def test_split_answer_separates_direct_answer_from_basis():
    head, basis = r.split_answer(ANSWER)
    assert head == "Lạng Sơn (Kế hoạch 249/KH-UBND): **Sở Tài chính** chủ trì [1]."
    assert basis.startswith("**Căn cứ:**")
    assert r.split_answer("Chỉ một câu.") == ("Chỉ một câu.", "")


def test_inline_markdown_bold_and_citation_markers():
    html = r.inline_html("A: **Sở Tài chính** chủ trì [1], [2].")
    assert "<strong>Sở Tài chính</strong>" in html
    assert html.count('class="cchc-ref"') == 2 and "[1]" in html and "[2]" in html


def test_markdown_lists_and_paragraphs():
    html = r.markdown_html("Đầu.\n- một [1]\n- hai [2]\n\n_Ghi chú_")
    assert html.startswith("<p>Đầu.</p><ul><li>")
    assert html.count("<li>") == 2 and "<em>Ghi chú</em>" in html
    assert balanced(html)


def test_facts_by_citation_takes_bold_text_of_the_marker_line():
    head = "- Lạng Sơn: **đạt từ 85% trở lên** [1].\n- Tuyên Quang: **đạt từ 86% trở lên**, **nhóm khá** [2]."
    assert r.facts_by_citation(head) == {1: ["đạt từ 85% trở lên"], 2: ["đạt từ 86% trở lên", "nhóm khá"]}


@pytest.mark.parametrize("evil", [
    "<script>window.pwned=1</script>",
    '<img src=x onerror="window.pwned=1">',
    '"><svg onload=alert(1)>',
])
def test_injected_html_is_rendered_inert_everywhere(evil):
    answer = {"question": evil, "answer": f"Theo {evil} [1]:\n\n**Căn cứ:**\n- [1] x", "abstained": False,
              "rewritten_question": evil,
              "citations": [{**CITATION, "title": evil, "so_hieu": evil, "section": evil, "text": evil + QUOTE}]}
    section = r.section_text(evil + DOC_TEXT, (0, len(evil) + SECTION_END), evil + QUOTE)
    outputs = [
        r.user_html(evil),
        r.answer_html(answer, sections={1: section}),
        r.answer_html({**answer, "abstained": True, "related": [{"title": evil, "section": evil, "doc_id": evil}]},
                      related_sections=[section]),
        r.notice_html(evil),
        r.documents_html({evil: {"title": evil, "province": evil, "chunks": 1, "so_hieu": evil}}),
    ]
    for html in outputs:
        assert "<script" not in html and "<img" not in html and "<svg" not in html
        assert "onerror=\"" not in html and "onload=" not in html.replace("onload=alert", "")
        assert "&lt;" in html  # shown as text
        assert balanced(html)


def test_outputs_are_single_line_html_blocks():
    """A blank line would end the chat's Markdown HTML block and expose the rest as Markdown."""
    section = r.section_text(DOC_TEXT, (SECTION_START, SECTION_END), QUOTE, QUOTE_START)
    html = r.answer_html({"question": "q", "answer": ANSWER, "abstained": False, "citations": [CITATION]},
                         sections={1: section})
    assert "\n" not in html
    assert "\n" not in r.user_html("dòng 1\n\ndòng 2") and "<br>" in r.user_html("dòng 1\ndòng 2")


def test_fact_spans_case_and_accent_insensitive():
    assert r.fact_spans("Giao sở tài chính chủ trì", ["Sở Tài chính"]) == [(5, 17, "cchc-fact")]
    text = "So Tai chinh"
    assert r.fact_spans(text, ["Sở Tài chính"]) == [(0, len(text), "cchc-fact")]
    assert r.fact_spans("abc", ["x", ""]) == []


def test_term_spans_mark_phrases_numbers_and_acronyms_not_lone_words():
    q = "Ai chủ trì cải cách tài chính công ở Lạng Sơn năm 2025, chỉ số SIPAS?"
    text = "Sở chủ trì các nhiệm vụ về cải cách tài chính công đến 2025; SIPAS đạt 90%; công khai."
    marked = [text[s:e] for s, e, _ in r.term_spans(text, q)]
    assert "chủ trì" in marked and "cải cách tài chính công" in marked
    assert "2025" in marked and "SIPAS" in marked
    assert "công" not in marked  # a lone common word is not highlighted
    assert all(w not in {"các", "về"} for w in marked)


def test_term_spans_for_a_question_typed_without_accents():
    marked = [QUOTE[s:e] for s, e, _ in r.term_spans(QUOTE, "ai chu tri cai cach tai chinh cong")]
    assert "Chủ trì" in marked and any("tài chính công" in m for m in marked)


def test_highlight_escapes_and_prefers_the_stronger_mark():
    html = r.highlight("a <b> Sở Tài chính\nx", [(0, 12, "cchc-quote"), (6, 18, "cchc-fact")])
    assert "&lt;b&gt;" in html and "<br>" in html
    assert '<mark class="cchc-fact">Sở Tài chính</mark>' in html
    assert balanced(html)


def test_section_bounds_picks_the_run_of_the_cited_chunk():
    assert r.section_bounds(CHUNKS, "ls", CITATION["section"], "ls:0001") == (SECTION_START, SECTION_END)
    assert r.section_bounds(CHUNKS, "ls", "no such section") is None
    # consecutive chunks of one section are joined
    split = [CHUNKS[0],
             {"chunk_id": "a", "metadata": {**CHUNKS[1]["metadata"], "end": QUOTE_START}},
             {"chunk_id": "b", "metadata": {**CHUNKS[1]["metadata"], "chunk_index": 2, "start": QUOTE_START}},
             {"chunk_id": "c", "metadata": {**CHUNKS[2]["metadata"], "chunk_index": 3}}]
    assert r.section_bounds(split, "ls", CITATION["section"], "b") == (SECTION_START, SECTION_END)


def test_section_text_locates_the_quote_and_windows_long_sections():
    sec = r.section_text(DOC_TEXT, (SECTION_START, SECTION_END), QUOTE, QUOTE_START)
    assert sec.text.startswith("6. Sở Tài chính")
    assert sec.text[sec.quote_start:sec.quote_end] == QUOTE
    long_doc = "x " * 20000 + QUOTE + " y" * 20000
    sec = r.section_text(long_doc, (0, len(long_doc)), QUOTE, max_chars=3000)
    assert len(sec.text) == 3000 and sec.truncated_before and sec.truncated_after
    assert sec.text[sec.quote_start:sec.quote_end] == QUOTE


def test_source_card_shows_title_number_section_quote_and_expandable_section():
    sec = r.section_text(DOC_TEXT, (SECTION_START, SECTION_END), QUOTE, QUOTE_START)
    html = r.source_card(CITATION, question="Ai chủ trì cải cách tài chính công ở Lạng Sơn?",
                         facts=["Sở Tài chính"], section=sec)
    assert "[1]" in html and "Kế hoạch CCHC Lạng Sơn" in html and "249/KH-UBND" in html
    assert "6. <mark class=\"cchc-fact\">Sở Tài chính</mark> › 6.1" in html  # fact marked in the section path
    assert '<mark class="cchc-term">cải cách tài chính công</mark>' in html  # supporting words in the quote
    assert '<details class="cchc-full">' in html and "Xem toàn văn mục" in html
    assert '<mark class="cchc-quote">' in html  # the quote inside the full section
    assert balanced(html)


def test_answer_html_answered_and_abstained():
    sec = r.section_text(DOC_TEXT, (SECTION_START, SECTION_END), QUOTE, QUOTE_START)
    answered = r.answer_html({"question": "Ai chủ trì cải cách tài chính công ở Lạng Sơn?", "answer": ANSWER,
                              "abstained": False, "citations": [CITATION],
                              "rewritten_question": "Ai chủ trì … ở Lạng Sơn?"}, sections={1: sec})
    assert "cchc-answered" in answered and "Nguồn trích dẫn (1)" in answered
    assert "Câu hỏi được hiểu là" in answered
    assert "Căn cứ" not in answered  # the cards replace the Markdown list
    abstained = r.answer_html({"question": "q", "abstained": True, "citations": [],
                               "answer": "Các tài liệu hiện có không nêu X.\n\nCác mục có thể liên quan:\n- a",
                               "related": [{"doc_id": "ls", "title": "Kế hoạch", "so_hieu": "249/KH-UBND",
                                            "section": "6. Sở Tài chính"}]}, related_sections=[sec])
    assert "Không tìm thấy câu trả lời" in abstained and "Các tài liệu hiện có không nêu X." in abstained
    assert "Các mục có thể liên quan" in abstained and "6. Sở Tài chính" in abstained
    assert "cchc-full" in abstained


def test_progressive_html_frames_are_balanced_prefixes():
    full = r.answer_head_html({"answer": ANSWER + "\n- thêm một dòng rất dài " * 3, "abstained": False})
    frames = r.progressive_html(full, frames=8)
    assert frames[-1] == full and len(frames) >= 4
    text = [re.sub(r"<[^>]+>", "", f) for f in frames]
    assert all(len(a) <= len(b) for a, b in zip(text, text[1:], strict=False))
    assert all(balanced(f) for f in frames)
    assert r.progressive_html("<p>một</p>") == ["<p>một</p>"]


def test_progressive_text_cuts_between_words():
    frames = r.progressive_text("một hai ba bốn năm sáu bảy tám", frames=4)
    assert frames[-1] == "một hai ba bốn năm sáu bảy tám" and len(frames) == 4
    assert all(f and not f.endswith(" ") for f in frames)


def test_notice_and_pending():
    assert "Lưu ý:" in r.notice_html("Câu hỏi đang trống.") and 'role="alert"' in r.notice_html("x")
    assert "Lỗi:" in r.notice_html("x", "error")
    assert r.notice_html("") == ""
    assert "Đang tra cứu" in r.pending_html()


def test_documents_html_lists_metadata_and_chunk_counts():
    docs = {"ls": {"title": "Kế hoạch CCHC Lạng Sơn", "so_hieu": "249/KH-UBND", "doc_type": "Kế hoạch",
                   "province": "Lạng Sơn", "period": "2021-2025", "date_issued": "2021-12-29",
                   "source_kind": "official text", "chunks": 105, "issuer": "UBND tỉnh Lạng Sơn"},
            "tq": {"title": "Đề án Tuyên Quang", "so_hieu": "", "doc_type": "Đề án", "province": "Tuyên Quang",
                   "period": "2021-2030", "date_issued": "", "source_kind": "news summary", "chunks": 29}}
    html = r.documents_html(docs)
    assert "<strong>2</strong> văn bản" in html and "<strong>134</strong> đoạn" in html
    assert "Kế hoạch 249/KH-UBND" in html and "29/12/2021" in html and "Bản tin tóm tắt" in html
    assert ">105<" in html and ">29<" in html and "Văn bản chính thức" in html
    assert balanced(html)


def test_templates_escape_every_value_as_html_escape_does():
    """The Jinja2 templates escape like the hand-built HTML they replaced: quotes as &quot; / &#x27;, None as
    nothing; only HTML built by the package itself (Markup) passes through."""
    from markupsafe import Markup

    from assistant.web.templating import render

    assert r.notice_html("a\"b'<c>&", "warn\"><x") == (
        '<div class="cchc-notice cchc-notice-warn&quot;&gt;&lt;x" role="alert">a&quot;b&#x27;&lt;c&gt;&amp;</div>')
    card = r.source_card({"n": None, "doc_id": "d\"", "title": None, "text": "x"})
    assert 'data-n="" data-doc="d&quot;"' in card and "None" not in card
    assert str(render("chat.html.j2", "answer", "answered", Markup("<p>ok</p>"))) == (
        '<div class="cchc-answer cchc-answered"><p>ok</p></div>')
    assert str(render("chat.html.j2", "answer", "answered", "<p>no</p>")) == (
        '<div class="cchc-answer cchc-answered">&lt;p&gt;no&lt;/p&gt;</div>')


def test_templates_render_on_one_line():
    """Templates are written over several lines; the loader joins them (a blank line would end the chat's
    Markdown HTML block), keeping the spaces inside a line."""
    html = r.documents_html({"d": {"title": "T", "province": "P", "chunks": 2}})
    assert "\n" not in html and "<p><strong>1</strong> văn bản của <strong>1</strong> tỉnh, " in html
    card = r.source_card({"n": 1, "doc_id": "d", "title": "T", "so_hieu": "1/KH", "section": "S", "text": "x"})
    assert '<span class="cchc-n">[1]</span> <span class="cchc-title">T</span> <span class="cchc-badge">1/KH</span>' in card


def test_highlight_stopwords_are_one_lexicon_constant():
    assert {"accented", "accentless"} == set(r.HIGHLIGHT_STOPWORDS)
    assert "gì" in r.HIGHLIGHT_STOPWORDS["accented"] and "tai" not in r.HIGHLIGHT_STOPWORDS["accentless"]
