"""The extractive answerer on hand-made sections: each question type, abstention, citations."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from assistant.qa.analyse import analyse
from assistant.qa.answer import ABSTAIN_PREFIX, CorpusView, ExtractiveAnswerer, build_idf


def _doc(doc_id: str, province: str, so_hieu: str, section: str, text: str, start: int = 0) -> Document:
    return Document(
        id=f"{doc_id}:{section}",
        page_content=text,
        metadata={"doc_id": doc_id, "chunk_id": f"{doc_id}:{section}", "title": f"Kế hoạch CCHC tỉnh {province}",
                  "so_hieu": so_hieu, "province": province, "doc_type": "Kế hoạch", "section": section,
                  "period": "2021-2025", "year": 2021, "start": start},
    )


LS_FINANCE = _doc("ls", "Lạng Sơn", "249/KH-UBND", "V › 6. Sở Tài chính › 6.1",
                  "6. Sở Tài chính\n6.1. Chủ trì tham mưu, đề xuất Ủy ban nhân dân tỉnh thực hiện các nhiệm vụ "
                  "về cải cách tài chính công.", start=1000)
QN_FINANCE = _doc("qn", "Quảng Ngãi", "534/QĐ-UBND", "II › 2 › e) Đối với lĩnh vực cải cách tài chính công",
                  "e) Đối với lĩnh vực cải cách tài chính công\n- Sở Tài chính chủ trì, phối hợp với các cơ quan "
                  "liên quan:\n+ Rà soát, đề xuất tăng dần tỷ lệ đơn vị sự nghiệp công lập tự đảm bảo chi thường "
                  "xuyên.")
LS_TARGET = _doc("ls", "Lạng Sơn", "249/KH-UBND", "II › 1 › 1.2",
                 "1.2. Kết thúc giai đoạn, Chỉ số CCHC (PAR INDEX) của tỉnh đạt từ 85% trở lên; Chỉ số hài lòng "
                 "của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính Nhà nước (SIPAS) đạt tối "
                 "thiểu 90%.", start=2000)
QN_RANK = _doc("qn", "Quảng Ngãi", "534/QĐ-UBND", "I › 1. Mục đích › c)",
               "c) Phấn đấu đến năm 2025, Chỉ số PAR INDEX, Chỉ số PAPI của tỉnh xếp thứ hạng từ 25 - 30/63 tỉnh, "
               "thành phố trực thuộc Trung ương.")
BT_GROUPS = _doc("bt", "Bình Thuận", "4912/KH-UBND", "Phần mở đầu",
                 "Tại Kế hoạch, Ủy ban nhân dân tỉnh đã đề ra 07 nhóm nhiệm vụ cụ thể trong thực hiện cải cách "
                 "hành chính, gồm: Cải cách thể chế; Cải cách thủ tục hành chính; Cải cách tài chính công.")
LIST_DOC = _doc("ls", "Lạng Sơn", "249/KH-UBND", "III › 7",
                "7. Các nhiệm vụ về chính quyền số\n- Phát triển hạ tầng số;\n- Phát triển dữ liệu số;\n"
                "- Phát triển nền tảng số.")
DEFINITION = _doc("qn", "Quảng Ngãi", "534/QĐ-UBND", "Điều 1.",
                  "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch nâng cao Chỉ số cải cách hành chính (PAR "
                  "INDEX), Chỉ số Hiệu quả quản trị và hành chính công (PAPI) cấp tỉnh giai đoạn 2022 - 2025.")
ALL = [LS_FINANCE, QN_FINANCE, LS_TARGET, QN_RANK, BT_GROUPS, LIST_DOC, DEFINITION]


@pytest.fixture(scope="module")
def answerer() -> ExtractiveAnswerer:
    provinces = ["Bình Thuận", "Lạng Sơn", "Quảng Ngãi"]
    outline = {"ls": [d.metadata["section"] for d in ALL if d.metadata["doc_id"] == "ls"]}
    return ExtractiveAnswerer(CorpusView(build_idf([d.page_content for d in ALL]), provinces=provinces,
                                         outline=outline), threshold=0.2)


def _ask(answerer: ExtractiveAnswerer, question: str, docs: list[Document]):
    return answerer.answer(analyse(question), docs)


def test_who_leads_across_documents_cites_both(answerer: ExtractiveAnswerer) -> None:
    result = _ask(answerer, "ai chủ trì cải cách tài chính công?", [LS_FINANCE, QN_FINANCE, LS_TARGET])
    assert not result.abstained
    first = result.answer.split("\n\n")[0]
    assert first.count("**Sở Tài chính**") == 2
    assert {c.doc_id for c in result.citations} == {"ls", "qn"}
    assert "[1]" in first and "[2]" in first


def test_who_leads_uses_the_heading_the_task_sits_under(answerer: ExtractiveAnswerer) -> None:
    result = _ask(answerer, "Ở Lạng Sơn ai chủ trì cải cách tài chính công?", [LS_FINANCE])
    assert result.answer.startswith("Lạng Sơn (Kế hoạch 249/KH-UBND): **Sở Tài chính** chủ trì")


def test_target_keeps_its_qualifier_and_picks_the_indicator_asked(answerer: ExtractiveAnswerer) -> None:
    result = _ask(answerer, "Chỉ số hài lòng SIPAS của Lạng Sơn phải đạt bao nhiêu?", [LS_TARGET])
    first = result.answer.split("\n")[0]
    assert "**đạt tối thiểu 90%**" in first
    assert "85%" not in first
    par = _ask(answerer, "PAR INDEX của Lạng Sơn đạt bao nhiêu phần trăm?", [LS_TARGET])
    assert "**đạt từ 85% trở lên**" in par.answer.split("\n")[0]


def test_rank_target(answerer: ExtractiveAnswerer) -> None:
    result = _ask(answerer, "Quảng Ngãi phấn đấu PAR INDEX xếp thứ hạng bao nhiêu đến năm 2025?", [QN_RANK])
    assert "25 - 30/63" in result.answer.split("\n")[0]


def test_rank_question_is_not_answered_with_a_percentage(answerer: ExtractiveAnswerer) -> None:
    result = _ask(answerer, "Lạng Sơn phấn đấu PAR INDEX xếp thứ hạng bao nhiêu?", [LS_TARGET])
    assert result.abstained


def test_deadline(answerer: ExtractiveAnswerer) -> None:
    result = _ask(answerer, "Quảng Ngãi đặt mục tiêu xếp hạng PAR INDEX đến năm nào?", [QN_RANK])
    assert "**đến năm 2025**" in result.answer


def test_list_from_an_inline_enumeration(answerer: ExtractiveAnswerer) -> None:
    result = _ask(answerer, "Bình Thuận đề ra những nhóm nhiệm vụ nào?", [BT_GROUPS])
    assert "Cải cách thể chế" in result.answer and "Cải cách tài chính công" in result.answer


def test_list_from_sub_items(answerer: ExtractiveAnswerer) -> None:
    result = _ask(answerer, "Lạng Sơn có những nhiệm vụ nào về chính quyền số?", [LIST_DOC])
    first = result.answer.split("\n")[0]
    assert "gồm 3 nội dung" in first
    assert "Phát triển dữ liệu số" in first


def test_definition(answerer: ExtractiveAnswerer) -> None:
    result = _ask(answerer, "PAPI là gì?", [DEFINITION])
    assert result.answer.startswith("**PAPI** là Chỉ số Hiệu quả quản trị và hành chính công")


def test_abstains_for_a_province_without_documents(answerer: ExtractiveAnswerer) -> None:
    result = _ask(answerer, "Chỉ tiêu PAR INDEX của Hà Giang đến 2025 là bao nhiêu?", ALL)
    assert result.abstained
    assert result.answer.startswith(ABSTAIN_PREFIX)
    assert "Hà Giang" in result.answer
    assert result.related  # closest sections are offered


def test_abstains_when_the_fact_kind_is_missing(answerer: ExtractiveAnswerer) -> None:
    result = _ask(answerer, "Tổng kinh phí thực hiện kế hoạch CCHC của Lạng Sơn là bao nhiêu tỷ đồng?",
                  [LS_FINANCE, LS_TARGET, LIST_DOC])
    assert result.abstained


def test_abstains_for_a_year_the_document_never_mentions() -> None:
    corpus = CorpusView(build_idf([d.page_content for d in ALL]), provinces=["Lạng Sơn"],
                        texts={"ls": LS_TARGET.page_content})
    result = _ask(ExtractiveAnswerer(corpus, threshold=0.2), "Mục tiêu PAR INDEX của Lạng Sơn đến năm 2035 là bao nhiêu?",
                  [LS_TARGET])
    assert result.abstained


def test_every_citation_quotes_its_section_exactly(answerer: ExtractiveAnswerer) -> None:
    questions = ["ai chủ trì cải cách tài chính công?", "Chỉ số hài lòng SIPAS của Lạng Sơn phải đạt bao nhiêu?",
                 "Bình Thuận đề ra những nhóm nhiệm vụ nào?", "PAPI là gì?"]
    by_chunk = {d.metadata["chunk_id"]: d for d in ALL}
    for q in questions:
        result = _ask(answerer, q, ALL)
        assert result.citations, q
        markers = {int(n) for n in __import__("re").findall(r"\[(\d+)\]", result.answer)}
        assert markers == {c.n for c in result.citations}, q
        for c in result.citations:
            doc = by_chunk[c.chunk_id]
            for line in c.text.split("\n"):
                assert line in doc.page_content, (q, line)
            assert f"“{c.text}”" in result.answer


# -- targets: the year and the indicator the question asks for -------------------------------------

PLAN = ("I. MỤC TIÊU\n"
        "Thứ hai, mục tiêu đến năm 2025:\n"
        "- Tối thiểu 80% thủ tục hành chính có đủ điều kiện được cung cấp trực tuyến mức độ 3 và 4.\n"
        "- Tỷ lệ hồ sơ giải quyết trực tuyến mức độ 3 và 4 trên tổng số hồ sơ đạt tối thiểu 50%.\n"
        "Định hướng đến năm 2030:\n"
        "- Tối thiểu 90% thủ tục hành chính có đủ điều kiện được cung cấp trực tuyến mức độ 3 và 4.\n"
        "- Tiếp tục giảm bình quân 10% biên chế sự nghiệp so với năm 2025.\n")


def _plan_answerer() -> tuple[ExtractiveAnswerer, Document]:
    """The plan as one section, with the targets the commitments extractor reads from it."""
    from assistant.ingest.commitments import extract_targets
    from assistant.ingest.parsing import parse_document

    parsed = parse_document(PLAN)
    meta = {"doc_id": "tq", "province": "Tuyên Quang", "year": 2021, "period": "2021-2030"}
    rows = [t.to_dict() for t in extract_targets(parsed, meta)]
    doc = _doc("tq", "Tuyên Quang", "01/ĐA", "I. MỤC TIÊU", parsed.text)
    doc.metadata["period"] = "2021-2030"
    corpus = CorpusView(build_idf([PLAN, *(d.page_content for d in ALL)]), provinces=["Tuyên Quang"],
                        texts={"tq": parsed.text}, targets={"tq": rows})
    answerer = ExtractiveAnswerer(corpus, threshold=0.2)
    return answerer, doc


def test_target_for_the_year_asked_uses_the_year_the_heading_carries() -> None:
    answerer, doc = _plan_answerer()
    q2025 = _ask(answerer, "Đến 2025 Tuyên Quang muốn bao nhiêu thủ tục đủ điều kiện được cung cấp trực tuyến?", [doc])
    q2030 = _ask(answerer, "Đến 2030 Tuyên Quang muốn bao nhiêu thủ tục đủ điều kiện được cung cấp trực tuyến?", [doc])
    assert "**Tối thiểu 80%**" in q2025.answer.split("\n")[0]
    assert "**Tối thiểu 90%**" in q2030.answer.split("\n")[0]


def test_a_baseline_year_is_not_the_target_year() -> None:
    answerer, doc = _plan_answerer()
    # "so với năm 2025" is the baseline of a 2030 target: it does not answer for 2025
    got = _ask(answerer, "Tuyên Quang giảm bao nhiêu biên chế sự nghiệp đến năm 2025?", [doc])
    assert "bình quân 10%" not in got.answer.split("\n")[0]


def test_the_thing_measured_picks_among_targets_of_the_same_topic() -> None:
    answerer, doc = _plan_answerer()
    got = _ask(answerer, "Đến 2025 bao nhiêu phần trăm hồ sơ được giải quyết trực tuyến mức độ 3 và 4?", [doc])
    assert "**đạt tối thiểu 50%**" in got.answer.split("\n")[0]


def test_measured_noun() -> None:
    from assistant.qa.answer import measured_noun

    assert measured_noun(analyse("bao nhiêu phần trăm hồ sơ phải được xử lý trực tuyến?")) == "ho so"
    assert measured_noun(analyse("tỷ lệ người dân hài lòng là bao nhiêu?")) == "nguoi dan"
    assert measured_noun(analyse("bao nhiêu phần trăm thủ tục hành chính được cung cấp trực tuyến?")) == "tthc"
    assert measured_noun(analyse("PAR INDEX đạt bao nhiêu?")) is None
    assert measured_noun(analyse("what share of files must be online?")) is None


# -- dates: the one the question asks for ----------------------------------------------------------

HEADER = _doc("lc", "Lai Châu", "2943/KH-UBND", "Phần mở đầu",
              "Thứ 7, Ngày 26/10/2024\nSố hiệu 2943/KH-UBND\nNgày ban hành 20/09/2021\nNgày có hiệu lực 01/10/2021\n"
              "Số: 2943/KH-UBND\nLai Châu, ngày 20 tháng 9 năm 2021")


@pytest.fixture(scope="module")
def dated() -> ExtractiveAnswerer:
    return ExtractiveAnswerer(CorpusView(build_idf([HEADER.page_content, *(d.page_content for d in ALL)]),
                                         provinces=["Lai Châu"], issued={"lc": "2021-09-20"}), threshold=0.2)


def test_effective_date_is_the_line_labelled_with_it(dated: ExtractiveAnswerer) -> None:
    got = _ask(dated, "Kế hoạch 2943 của Lai Châu có hiệu lực từ ngày nào?", [HEADER])
    first = got.answer.split("\n")[0]
    assert "01/10/2021" in first and "26/10/2024" not in got.answer


def test_issue_date_is_never_the_page_stamp(dated: ExtractiveAnswerer) -> None:
    got = _ask(dated, "Kế hoạch 2943 của Lai Châu được ban hành ngày nào?", [HEADER])
    first = got.answer.split("\n")[0]
    assert "26/10/2024" not in got.answer
    assert "ngày 20 tháng 9 năm 2021" in first or "20/09/2021" in first


# -- task tables and decrees on one body's duties ----------------------------------------------------

TASKS = _doc("dn", "Đồng Nai", "179/KH-UBND", "PHỤ LỤC › A › 9",
             "9.4 | Chuyển đổi số quản trị bệnh viện, trường học | Sở Y tế; Sở Giáo dục và Đào tạo | Các sở, ban, ngành "
             "| 2026 - 2030 | Chương trình\n9.5 | Triển khai Nền tảng hóa đơn điện tử quốc gia | Thuế Đồng Nai | Các sở, "
             "ban, ngành; UBND các phường xã | Năm 2027 | Chương trình")
DUTIES = Document(id="nd:2", page_content="10. Về cải cách hành chính nhà nước:\na) Làm thường trực công tác cải cách "
                  "hành chính của Chính phủ;", metadata={
                      "doc_id": "nd", "chunk_id": "nd:2", "so_hieu": "25/2025/NĐ-CP", "doc_type": "Nghị định",
                      "title": "Nghị định quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của bộ nội vụ",
                      "section": "Điều 2. Nhiệm vụ và quyền hạn › 10. Về cải cách hành chính nhà nước › a)",
                      "province": "", "period": "", "start": 0})


@pytest.fixture(scope="module")
def tables() -> ExtractiveAnswerer:
    return ExtractiveAnswerer(CorpusView(build_idf([TASKS.page_content, DUTIES.page_content]), provinces=["Đồng Nai"],
                                         texts={"nd": "Bộ Nội vụ là cơ quan của Chính phủ."}), threshold=0.2)


def test_task_table_row_gives_the_lead_and_the_deadline_columns(tables: ExtractiveAnswerer) -> None:
    who = _ask(tables, "Ở Đồng Nai, đơn vị nào triển khai Nền tảng hóa đơn điện tử quốc gia?", [TASKS])
    assert "**Thuế Đồng Nai**" in who.answer.split("\n")[0]
    when = _ask(tables, "Ở Đồng Nai, triển khai Nền tảng hóa đơn điện tử quốc gia khi nào?", [TASKS])
    assert "**Năm 2027**" in when.answer.split("\n")[0]


def test_the_duties_of_a_decree_belong_to_the_body_it_is_about(tables: ExtractiveAnswerer) -> None:
    got = _ask(tables, "Theo Nghị định 25/2025, cơ quan nào làm thường trực công tác cải cách hành chính?", [DUTIES])
    assert "**Bộ Nội vụ**" in got.answer.split("\n")[0]


def test_who_holds_a_post_asks_for_a_person_not_an_agency(tables: ExtractiveAnswerer) -> None:
    got = _ask(tables, "Ai là Trưởng Ban Chỉ đạo chuyển đổi số tỉnh Đồng Nai?", [TASKS])
    assert got.abstained


# -- the corpus view and the weights -----------------------------------------------------------------

def test_corpus_view_from_an_index_lists_sections_in_document_order() -> None:
    from types import SimpleNamespace

    def chunk(doc_id: str, index: int, section: str, text: str) -> SimpleNamespace:
        return SimpleNamespace(text=text, metadata={"doc_id": doc_id, "chunk_index": index, "section": section})

    index = SimpleNamespace(
        chunks=[chunk("b", 1, "II", "hai"), chunk("a", 0, "I", "một"), chunk("b", 0, "I", "một hai")],
        provinces=["Lạng Sơn"],
        documents={"a": {"text": "một", "date_issued": "2021-09-20"},
                   "b": {"text": "một hai", "commitments": {"targets": [{"value_start": 4, "value_end": 7}]}}})
    corpus = CorpusView.from_index(index)
    assert corpus.outline == {"a": ["I"], "b": ["I", "II"]}
    assert corpus.issued == {"a": "2021-09-20", "b": ""} and corpus.texts["b"] == "một hai"
    assert corpus.idf == build_idf(["hai", "một", "một hai"])
    assert list(corpus.targets_in("b", 0, 5)) == [4] and corpus.targets_in("b", 5, 9) == {}
    assert corpus.embeddings is None and corpus.provinces == ["Lạng Sơn"]


def test_weights_are_fixed_and_named() -> None:
    import dataclasses

    from assistant.qa.answer import WEIGHTS, Weights

    assert Weights() == WEIGHTS
    with pytest.raises(dataclasses.FrozenInstanceError):
        WEIGHTS.fact_bonus = 0.5  # type: ignore[misc]
    assert WEIGHTS.word_share + WEIGHTS.pair_share == 1.0
