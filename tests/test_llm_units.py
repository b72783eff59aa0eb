"""Unit tests of the LLM path without a model: the verifier, prompt files and context packing, the
generator's fallback rules (with a scripted backend), and settings that must keep the API key secret."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from assistant.core.settings import get_settings
from assistant.qa.answer import Answer, Citation
from assistant.qa.llm.backend import LLMUnavailable
from assistant.qa.llm.generate import NOTE_DOWN, NOTE_REJECTED, LLMAnswerer, statement
from assistant.qa.llm.prompts import (
    PromptError,
    SourceSpan,
    count_tokens,
    load_prompt,
    pack_sources,
    truncate_tokens,
)
from assistant.qa.llm.verify import Source, citation_refs, claims, split_answer, verify

SOURCES = [
    Source(1, "Kế hoạch cải cách hành chính (249/KH-UBND), Lạng Sơn — I › 2. Mục tiêu cụ thể",
           "Phấn đấu đến năm 2025, Chỉ số PAR INDEX của tỉnh đạt từ 85% trở lên. Tỷ lệ hồ sơ giải quyết trực tuyến "
           "đạt tối thiểu 20%. Kế hoạch ban hành ngày 05 tháng 3 năm 2021."),
    Source(2, "Kế hoạch cải cách hành chính (249/KH-UBND), Lạng Sơn — IV › 6. Sở Tài chính",
           "Sở Tài chính chủ trì, phối hợp với Sở Nội vụ triển khai cải cách tài chính công; UBND các huyện, "
           "thành phố phối hợp thực hiện theo Quyết định số 1291/QĐ-UBND."),
]


# -- verifier ----------------------------------------------------------------------------------------

def test_supported_answer_is_verified_unchanged() -> None:
    answer = ("Đến năm 2025, Chỉ số PAR INDEX của Lạng Sơn phải đạt từ 85% trở lên [1]. "
              "Sở Tài chính chủ trì cải cách tài chính công [2].")
    v = verify(answer, SOURCES)
    assert v.verified and v.dropped == [] and v.cited == [1, 2]
    assert v.text == answer


def test_invented_number_is_dropped_and_the_rest_kept() -> None:
    answer = ("Chỉ số PAR INDEX phải đạt từ 85% trở lên [1]. Ngân sách dành cho cải cách là 120 tỷ đồng [1]. "
              "Sở Tài chính chủ trì [2].")
    v = verify(answer, SOURCES)
    assert v.verified
    assert "120" not in v.text and "85%" in v.text and "Sở Tài chính" in v.text
    assert len(v.dropped) == 1 and "120" in v.dropped[0]["reason"]


def test_number_must_be_in_the_source_it_cites_not_just_any_source() -> None:
    v = verify("Sở Tài chính chủ trì [2]. Chỉ số đạt từ 85% trở lên [2].", SOURCES)
    assert [d["sentence"] for d in v.dropped] == ["Chỉ số đạt từ 85% trở lên [2]."]


def test_percentage_must_stay_a_percentage() -> None:
    # 2025 is in source 1, but not as a percentage
    v = verify("Chỉ số PAR INDEX đạt từ 85% trở lên [1]. Tỷ lệ đạt 2025% [1]. Sở Nội vụ phối hợp [2].", SOURCES)
    assert v.verified and any("2025%" in d["reason"] for d in v.dropped)


def test_reference_to_a_source_that_was_not_given_is_dropped() -> None:
    v = verify("Sở Tài chính chủ trì [2]. Chỉ số đạt từ 85% trở lên [1]. Sở Nội vụ phối hợp [7].", SOURCES)
    assert v.verified
    assert [d["reason"] for d in v.dropped] == ["cites [7], which is not a provided source"]


def test_agency_not_in_the_cited_source_is_dropped() -> None:
    v = verify("Sở Y tế chủ trì cải cách tài chính công [2]. Sở Tài chính chủ trì [2]. "
               "Chỉ số đạt từ 85% trở lên [1].", SOURCES)
    assert v.verified and "Sở Y tế" not in v.text
    assert "agency" in v.dropped[0]["reason"]


def test_dates_and_document_numbers_match_in_any_spelling_but_must_exist() -> None:
    ok = verify("Kế hoạch ban hành ngày 5/3/2021 [1], theo Quyết định số 1291/QĐ-UBND [2].", SOURCES)
    assert ok.verified and not ok.dropped
    bad = verify("Kế hoạch ban hành ngày 6/3/2021 [1]. Theo Quyết định số 1292/QĐ-UBND [2].", SOURCES)
    assert not bad.verified and len(bad.dropped) == 2


def test_fact_without_citation_takes_the_next_citation_of_its_paragraph_or_is_dropped() -> None:
    inherited = verify("Chỉ số PAR INDEX đạt từ 85% trở lên. Tỷ lệ trực tuyến tối thiểu 20% [1].", SOURCES)
    assert inherited.verified and not inherited.dropped
    alone = verify("Sở Tài chính chủ trì [2].\nTỷ lệ đạt 85%.\nSở Nội vụ phối hợp [2].", SOURCES)
    assert alone.verified and alone.dropped[0]["reason"] == "states a fact without citing a source"


def test_mostly_unsupported_answer_is_rejected_whole() -> None:
    v = verify("Chỉ số đạt 95% [1]. Ngân sách 300 tỷ đồng [1]. Sở Tài chính chủ trì [2].", SOURCES)
    assert not v.verified and v.text == "" and "unsupported" in (v.reason or "")


@pytest.mark.parametrize("garbage", [
    "", "   ", "Xin chào! Tôi có thể giúp gì cho bạn?",
    "NGUỒN:\n[1] Kế hoạch … Chỉ số PAR INDEX đạt từ 85% trở lên [1]",
    "<start_of_turn>user\nBạn là Trợ lý CCHC",
])
def test_garbage_is_rejected(garbage: str) -> None:
    assert not verify(garbage, SOURCES).verified


def test_an_llm_abstention_is_not_accepted_as_an_answer() -> None:
    v = verify("Các tài liệu hiện có không nêu chỉ tiêu này [1].", SOURCES)
    assert not v.verified and "abstained" in (v.reason or "")


def test_trusted_text_covers_a_count_the_extractive_answer_computed() -> None:
    answer = "Kế hoạch đề ra 7 nhóm nhiệm vụ [1]."
    assert not verify(answer, SOURCES).verified
    assert verify(answer, SOURCES, trusted="Theo Lạng Sơn, gồm 7 nội dung [1]: …").verified
    # only for a sentence citing a source the trusted statement cites
    assert not verify("Kế hoạch đề ra 7 nhóm nhiệm vụ [2].", SOURCES, trusted="Theo Lạng Sơn, gồm 7 nội dung [1]: …").verified


def test_claims_and_refs_parsing() -> None:
    assert citation_refs("a [1] b [2, 3] c [4-6] d [1]") == [1, 2, 3, 4, 5, 6]
    kinds = {(c.kind, c.key) for c in claims("1. Theo Nghị định 107/2020/NĐ-CP, đạt 80 - 90% vào 31/12/2025 [3]")}
    assert ("doc_number", "107/2020/nd-cp") in kinds and ("percent", "80") in kinds and ("percent", "90") in kinds
    assert ("date", "31/12/2025") in kinds
    assert not any(k == ("number", "1") or k == ("number", "3") for k in kinds)  # list marker and [3]
    assert split_answer("Câu một [1]. Câu hai. [2]\n\n- Mục ba [1].") == [["Câu một [1].", "Câu hai. [2]"],
                                                                       ["- Mục ba [1]."]]


# -- prompts and packing -----------------------------------------------------------------------------

def test_prompt_files_load_with_versions_and_placeholders() -> None:
    system = load_prompt("system")
    assert system.version and "[n]" in system.text and "Các tài liệu hiện có không nêu" in system.text
    answer = load_prompt("answer")
    assert answer.placeholders == {"sources", "draft", "question"}
    text = answer.render(sources="{x} [1] nguồn", draft="nháp", question="hỏi?")
    assert "{x} [1] nguồn" in text and "hỏi?" in text
    with pytest.raises(PromptError):
        answer.render(sources="s")
    assert load_prompt("followup").placeholders == {"history", "question"}


def test_malformed_or_missing_prompt_file_says_what_to_fix(tmp_path) -> None:
    (tmp_path / "system.vi.md").write_text("no header\n", encoding="utf-8")
    with pytest.raises(PromptError, match="header"):
        load_prompt("system", directory=tmp_path)
    with pytest.raises(PromptError, match="missing"):
        load_prompt("nothing", directory=tmp_path)


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_packing_respects_the_budget_and_keeps_the_quoted_passage(encoding: str) -> None:
    lines = [f"Dòng {i}: Sở Nội vụ phối hợp các sở, ban, ngành triển khai nhiệm vụ cải cách hành chính năm {2000 + i}."
             for i in range(80)]
    text = "\n".join(lines)
    focus = lines[50]
    spans = [SourceSpan(1, "Kế hoạch A — mục 1", text, focus), SourceSpan(2, "Kế hoạch B — mục 2", "Ngắn.", ""),
             SourceSpan(3, "Kế hoạch C — mục 3", text, "")]
    for budget in (150, 400, 900):
        packed = pack_sources(spans, budget, encoding)
        total = sum(count_tokens(p.render() + "\n", encoding) for p in packed)
        assert total <= budget + 3 * len(packed), (budget, total)
        first = packed[0]
        assert focus in first.text and text[first.start:first.start + len(first.text)] == first.text
        assert any(p.n == 2 and p.text == "Ngắn." for p in packed)
    whole = pack_sources(spans[:2], 100000, encoding)
    assert whole[0].text == text


def test_truncate_tokens_is_a_prefix_within_the_limit() -> None:
    text = "Chỉ số hài lòng của người dân đạt trên 90% " * 20
    cut = truncate_tokens(text, 25)
    assert text.startswith(cut) and count_tokens(cut) <= 25 and len(cut) < len(text)


# -- settings ----------------------------------------------------------------------------------------

def test_api_key_is_never_in_the_settings_repr(monkeypatch) -> None:
    monkeypatch.setenv("ASSISTANT_LLM_API_KEY", "sk-secret-123")
    monkeypatch.setenv("ASSISTANT_LLM_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "2.5")
    s = get_settings()
    assert s.llm_api_key == "sk-secret-123" and s.llm_timeout == 2.5
    assert "sk-secret" not in repr(s)


def test_settings_file(monkeypatch, tmp_path) -> None:
    cfg = tmp_path / "assistant.toml"
    cfg.write_text('llm_url = "http://127.0.0.1:8000/v1"\nllm_model = "qwen"\nllm_retries = 0\n', encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(cfg))
    monkeypatch.setenv("ASSISTANT_LLM_MODEL", "from-env")
    s = get_settings()
    assert (s.llm_url, s.llm_model, s.llm_retries) == ("http://127.0.0.1:8000/v1", "from-env", 0)
    cfg.write_text('llm_ulr = "typo"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="llm_ulr"):
        get_settings()


# -- the generator's rules (scripted backend: no server) ----------------------------------------------

class ScriptedBackend:
    name = "scripted:test"

    def __init__(self, reply: str | Exception) -> None:
        self.reply = reply
        self.calls: list[list] = []

    def complete(self, messages: list) -> str:
        self.calls.append(messages)
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


def _draft() -> tuple[Answer, list[Document]]:
    doc = Document(page_content=SOURCES[1].text, id="c2",
                   metadata={"chunk_id": "c2", "doc_id": "ls", "title": "Kế hoạch cải cách hành chính",
                             "so_hieu": "249/KH-UBND", "province": "Lạng Sơn", "section": "IV › 6. Sở Tài chính",
                             "start": 1000})
    other = Document(page_content=SOURCES[0].text, id="c1",
                     metadata={"chunk_id": "c1", "doc_id": "ls", "title": "Kế hoạch cải cách hành chính",
                               "so_hieu": "249/KH-UBND", "province": "Lạng Sơn", "section": "I › 2. Mục tiêu",
                               "start": 10})
    quote = "Sở Tài chính chủ trì, phối hợp với Sở Nội vụ triển khai cải cách tài chính công"
    cit = Citation(1, "c2", "ls", "Kế hoạch cải cách hành chính", "249/KH-UBND", "Lạng Sơn", "IV › 6. Sở Tài chính",
                   quote, 1000, 1000 + len(quote))
    answer = Answer("Ai chủ trì cải cách tài chính công?", "Lạng Sơn: **Sở Tài chính** chủ trì [1].\n\n**Căn cứ:**\n"
                    f"- [1] Kế hoạch cải cách hành chính (249/KH-UBND), IV › 6. Sở Tài chính: “{quote}”",
                    False, "who_leads", [cit])
    return answer, [doc, other]


def _answerer(reply: str | Exception) -> tuple[LLMAnswerer, ScriptedBackend]:
    backend = ScriptedBackend(reply)
    return LLMAnswerer(get_settings(), lambda: backend), backend  # type: ignore[arg-type,return-value]


def test_verified_llm_answer_replaces_the_statement_and_keeps_the_evidence() -> None:
    draft, docs = _draft()
    gen, backend = _answerer("Ở Lạng Sơn, Sở Tài chính chủ trì cải cách tài chính công [1], phối hợp với Sở Nội vụ [1].")
    out = gen.improve(draft, docs, draft.question)
    assert out.verified is True and out.llm_status == "answered" and out.backend == "scripted:test"
    assert out.answer.startswith("Ở Lạng Sơn, Sở Tài chính") and "**Căn cứ:**" in out.answer
    assert [c.n for c in out.citations] == [1]
    prompt = backend.calls[0][1].content
    assert "[1] Kế hoạch cải cách hành chính (249/KH-UBND), Lạng Sơn — IV › 6. Sở Tài chính" in prompt
    assert "[2]" in prompt  # a further retrieved section is offered


def test_citing_an_extra_source_adds_it_as_a_citation_with_an_exact_quote() -> None:
    draft, docs = _draft()
    gen, _ = _answerer("Sở Tài chính chủ trì [1]. Chỉ số PAR INDEX đạt từ 85% trở lên [2].")
    out = gen.improve(draft, docs, draft.question)
    assert out.verified and [c.n for c in out.citations] == [1, 2]
    extra = out.citations[1]
    assert extra.chunk_id == "c1" and extra.text in docs[1].page_content
    assert extra.start == 10 + docs[1].page_content.find(extra.text)


def test_unverifiable_llm_answer_falls_back_with_a_note() -> None:
    draft, docs = _draft()
    gen, _ = _answerer("Sở Y tế chủ trì [1]. Kinh phí 500 tỷ đồng [1].")
    out = gen.improve(draft, docs, draft.question)
    assert out.verified is False and out.llm_status == "fallback" and out.backend == "extractive"
    assert out.llm_note.startswith(NOTE_REJECTED) and statement(draft.answer) in out.answer
    assert out.dropped


def test_server_down_falls_back_with_a_note() -> None:
    draft, docs = _draft()
    gen, _ = _answerer(LLMUnavailable("cannot reach the LLM"))
    out = gen.improve(draft, docs, draft.question)
    assert out.verified is False and out.llm_note.startswith(NOTE_DOWN) and NOTE_DOWN in out.answer
    assert out.citations == draft.citations


def test_an_abstention_is_never_sent_to_the_llm() -> None:
    draft, docs = _draft()
    draft.abstained, draft.citations = True, []
    draft.answer = "Các tài liệu hiện có không nêu điều này."
    gen, backend = _answerer("Sở Tài chính chủ trì [1].")
    out = gen.improve(draft, docs, draft.question)
    assert backend.calls == [] and out.abstained and out.answer == draft.answer and out.llm_status == "skipped"


def test_echoed_source_headings_and_unfinished_sentences_are_not_answers() -> None:
    echo = ("[1] Kế hoạch cải cách hành chính (249/KH-UBND), Lạng Sơn — I › 2. Mục tiêu cụ thể\n"
            "Phấn đấu đến năm 2025, Chỉ số PAR INDEX của tỉnh đạt từ 85% trở lên. Tỷ lệ hồ sơ giải")
    v = verify(echo, SOURCES)
    assert not v.verified
    reasons = {d["reason"] for d in v.dropped}
    assert "repeats a source heading instead of answering" in reasons and "unfinished sentence" in reasons
    cut = verify("Sở Tài chính chủ trì cải cách tài chính công [2]. Ngoài ra, Sở Nội vụ", SOURCES)
    assert cut.verified and cut.text == "Sở Tài chính chủ trì cải cách tài chính công [2]."


def test_a_citation_marker_is_not_a_number_that_supports_claims() -> None:
    # "[1]" in the trusted statement must not make an invented "1" supported
    v = verify("Sở Tài chính chủ trì [2]. Có 1 đơn vị phối hợp [2].", SOURCES, trusted="Sở Tài chính chủ trì [1].")
    assert any("“1”" in d["reason"] for d in v.dropped)


def test_uncited_paragraphs_are_removed_but_a_list_intro_is_kept() -> None:
    v = verify("Cụ thể như sau:\n- Sở Tài chính chủ trì [2].\n- Sở Nội vụ phối hợp [2].\nHy vọng thông tin này hữu ích.",
               SOURCES)
    assert v.verified and v.text.startswith("Cụ thể như sau:") and "Hy vọng" not in v.text
    assert v.dropped == [{"sentence": "Hy vọng thông tin này hữu ích.", "reason": "cites no source"}]


def test_follow_up_rewrites_by_the_llm_are_accepted_only_when_safe() -> None:
    from assistant.qa.llm.generate import accept_rewrite, needs_context

    history = ["Ai chủ trì cải cách tài chính công ở Lạng Sơn?"]
    assert needs_context("Ai phối hợp việc đó?", history)
    assert not needs_context("Ai phối hợp ở Quảng Ngãi?", history) and not needs_context("Ai phối hợp?", None)
    good = "Ai phối hợp việc cải cách tài chính công ở Lạng Sơn?"
    assert accept_rewrite("Ai phối hợp việc đó?", history, good) == good
    assert accept_rewrite("Ai phối hợp việc đó?", history, "Ai phối hợp việc đó ở Cà Mau?") is None  # new place
    assert accept_rewrite("Ai phối hợp việc đó?", history, "Theo Kế hoạch 999/KH-UBND ở Lạng Sơn, ai phối hợp việc "
                                                           "đó?") is None  # invented document
    assert accept_rewrite("Ai phối hợp việc đó?", history, good + "\nGiải thích: …") is None
    assert accept_rewrite("Ai phối hợp việc đó?", history, "Lạng Sơn có bao nhiêu huyện?") is None  # another question
    assert accept_rewrite("Ai phối hợp việc đó?", history, "Ai phối hợp việc đó?") is None  # no context added


def test_cli_llm_without_a_configured_llm_says_what_to_set(monkeypatch, capsys) -> None:
    from assistant.cli import main

    for var in ("ASSISTANT_LLM_URL", "ASSISTANT_LLM_GGUF", "ASSISTANT_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    assert main(["ask", "--llm", "PAPI là gì?"]) == 2
    assert "ASSISTANT_LLM_URL" in capsys.readouterr().err
