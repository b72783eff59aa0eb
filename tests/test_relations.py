"""Question parts and relation extractors (assistant/lexicon/relations.py), and how the answerer uses them."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from assistant.lexicon import relations
from assistant.qa.analyse import analyse
from assistant.qa.answer import ABSTAIN_PREFIX, CorpusView, ExtractiveAnswerer, build_idf


def _doc(doc_id: str, section: str, text: str, so_hieu: str = "534/QĐ-UBND", province: str = "Quảng Ngãi",
         period: str = "2022-2025", title: str | None = None) -> Document:
    return Document(id=f"{doc_id}:{section}", page_content=text,
                    metadata={"doc_id": doc_id, "chunk_id": f"{doc_id}:{section}",
                              "title": title or f"Kế hoạch tỉnh {province}",
                              "so_hieu": so_hieu, "province": province, "doc_type": "Quyết định", "section": section,
                              "period": period, "start": 0})


# -- splitting questions ------------------------------------------------------------------------------

@pytest.mark.parametrize("question, parts", [
    ("Quyết định 534 được ban hành ngày nào và có hiệu lực từ khi nào?",
     ["Quyết định 534 được ban hành ngày nào", "có hiệu lực từ khi nào?"]),
    ("Các sở báo cáo kết quả cho ai, qua cơ quan nào?", ["Các sở báo cáo kết quả cho ai", "qua cơ quan nào?"]),
    ("When was plan 2943 issued, and who signed it?", ["When was plan 2943 issued", "who signed it?"]),
])
def test_split_parts_cuts_between_interrogative_clauses(question: str, parts: list[str]) -> None:
    assert relations.split_parts(question) == parts


@pytest.mark.parametrize("question", [
    "Ở Quảng Ngãi, ai chủ trì cải cách tài chính công?",  # the place before the comma asks nothing
    "Cơ quan nào chịu trách nhiệm phổ biến, tuyên truyền kế hoạch tới người dân?",
    "Lạng Sơn và Quảng Ngãi đặt chỉ tiêu PAR INDEX bao nhiêu?",
])
def test_split_parts_keeps_single_questions_whole(question: str) -> None:
    assert relations.split_parts(question) == [question]


@pytest.mark.parametrize("part, whole, relation", [
    ("mang số nào", None, "docref"),
    ("Kế hoạch đó mang số hiệu gì?", None, "docref"),
    ("Kế hoạch được ban hành dựa trên những văn bản nào?", None, "docref"),
    ("Quyết định được ban hành theo đề nghị của ai", None, "proposer"),
    ("qua cơ quan nào?", "Các sở báo cáo kết quả theo định kỳ nào và qua cơ quan nào?", "recipient"),
    ("UBND cấp huyện phối hợp với cơ quan nào để tập huấn?", None, "partner"),
    ("Kế hoạch có bao nhiêu nhóm nhiệm vụ?", None, "count"),
    ("How many groups of tasks does the plan set out?", None, "count"),
    ("Số điện thoại đường dây nóng của Trung tâm là gì?", None, "contact"),
    ("Ai chủ trì cải cách tài chính công?", None, None),
    ("Sở nào chủ trì cải cách thể chế?", None, None),  # "sở nào" is an agency, not a number
    ("qua cơ quan nào?", "Ai chủ trì, qua cơ quan nào?", None),  # no reporting: not a recipient
])
def test_relation_of(part: str, whole: str | None, relation: str | None) -> None:
    assert relations.relation_of(part, whole) == relation


# -- extractors -----------------------------------------------------------------------------------

def test_doc_refs_keep_the_date_that_follows() -> None:
    text = "Triển khai Kế hoạch số 140/KH-UBND ngày 14/10/2021 và Nghị quyết số 08-NQ/TU; Nghị định 45/2020/NĐ-CP."
    assert [f.text for f in relations.doc_refs(text)] == ["140/KH-UBND ngày 14/10/2021", "08-NQ/TU", "45/2020/NĐ-CP"]
    assert relations.doc_refs("đạt 25 - 30/63 tỉnh, thành phố") == []


def test_proposer_with_the_document_it_came_in() -> None:
    found = relations.proposer("Theo đề nghị của Giám đốc Sở Nội vụ tại Công văn số 520/SNV-CCHC ngày 06/4/2022.")
    assert found is not None and found.text == "Giám đốc Sở Nội vụ tại Công văn số 520/SNV-CCHC ngày 06/4/2022"
    assert relations.proposer("Sở Nội vụ chủ trì, phối hợp với các sở.") is None


def test_report_recipient_with_the_agency_it_goes_through() -> None:
    found = relations.report_recipient("Tổng hợp kết quả, báo cáo Ủy ban nhân dân tỉnh (qua Sở Nội vụ) hằng quý.")
    assert found is not None and found.text == "Ủy ban nhân dân tỉnh (qua Sở Nội vụ)"
    found = relations.report_recipient("báo cáo kết quả thực hiện định kỳ theo quy định cho UBND tỉnh để theo dõi")
    assert found is not None and found.text == "UBND tỉnh"
    assert relations.report_recipient("Sở Nội vụ chủ trì báo cáo.") is None


def test_partners_are_the_agencies_after_phoi_hop_voi() -> None:
    found = relations.partners("UBND cấp huyện chủ trì, phối hợp với Sở Xây dựng, Sở Tài chính tổ chức tập huấn.")
    assert [f.text for f in found] == ["Sở Xây dựng", "Sở Tài chính"]


def test_counts_need_the_counted_noun() -> None:
    assert [f.text for f in relations.counts("đề ra 07 nhóm nhiệm vụ cụ thể", "nhom")] == ["07 nhóm nhiệm vụ"]
    assert [f.text for f in relations.counts("trên cơ sở 6 nội dung của Chương trình", "noi dung")] == ["6 nội dung"]
    assert relations.counts("đạt 90% nhóm", "noi dung") == []
    assert relations.counted_noun("ke hoach co bao nhieu noi dung cai cach") == "noi dung"


def test_counts_of_any_noun_take_as_much_of_it_as_the_text_repeats() -> None:
    # the first two syllables must follow the number; the rest of the question's noun phrase is kept when written
    assert [f.text for f in relations.counts("b) 06 phòng chuyên môn: Phòng Công chức", "phong chuyen mon co", 2)] == \
        ["06 phòng chuyên môn"]
    assert [f.text for f in relations.counts("nước ta có 34 tỉnh, thành phố, 3.321 xã, phường, đặc khu",
                                             "xa phuong dac khu", 2)] == ["3.321 xã, phường, đặc khu"]
    assert relations.counts("có 10 hộ kinh doanh", "ho so", 2) == []


def test_contacts_find_phones_and_emails() -> None:
    assert [f.text for f in relations.contacts("Đường dây nóng: 0205 3812 345, email: cchc@langson.gov.vn")] == \
        ["0205 3812 345", "cchc@langson.gov.vn"]
    assert relations.contacts("tối thiểu 80% thủ tục hành chính") == []


# -- the answerer ---------------------------------------------------------------------------------

PREAMBLE = _doc("qn", "Phần mở đầu", "Theo đề nghị của Giám đốc Sở Nội vụ tại Công văn số 520/SNV-CCHC ngày 06/4/2022.")
ARTICLE = _doc("qn", "Điều 2.", "Điều 2. Quyết định này có hiệu lực thi hành kể từ ngày ký. Bãi bỏ Quyết định số "
                                "881/QĐ-UBND ngày 12/5/2017 của Chủ tịch UBND tỉnh.")
ONE_STOP = _doc("qn", "II › 1 › b)", "- Các sở, ban ngành, UBND cấp huyện:\n+ Triển khai thực hiện có hiệu quả Kế "
                                     "hoạch số 140/KH-UBND ngày 14/10/2021 của Chủ tịch UBND tỉnh về triển khai Đề án "
                                     "đổi mới cơ chế một cửa, một cửa liên thông.")
REPORTING = _doc("qn", "III › 1", "1. Các sở, ban ngành, UBND cấp huyện định kỳ hàng quý, 6 tháng báo cáo kết quả "
                                  "thực hiện về UBND tỉnh (qua Sở Nội vụ) để tổng hợp.")
UNITS = _doc("tq", "Thứ ba", "Giảm tối thiểu 10% đơn vị sự nghiệp công lập và 10% biên chế sự nghiệp so với năm 2021.",
             so_hieu="", province="Tuyên Quang", period="2021-2030")
DOCS = [PREAMBLE, ARTICLE, ONE_STOP, REPORTING, UNITS]


@pytest.fixture(scope="module")
def answerer() -> ExtractiveAnswerer:
    return ExtractiveAnswerer(CorpusView(build_idf([d.page_content for d in DOCS]), provinces=["Quảng Ngãi", "Tuyên Quang"],
                                         issued={"qn": "2022-04-20"}), threshold=0.2)


def _statement(answer_text: str) -> str:
    return answer_text.split("**Căn cứ:**")[0]


def test_two_part_question_answers_both_parts(answerer: ExtractiveAnswerer) -> None:
    ans = answerer.answer(analyse("Các sở ở Quảng Ngãi báo cáo kết quả định kỳ ra sao và qua cơ quan nào?"), DOCS)
    head = _statement(ans.answer)
    assert not ans.abstained
    assert "hàng quý" in head and "(qua Sở Nội vụ)" in head


def test_effective_date_part_is_answered_from_its_own_sentence(answerer: ExtractiveAnswerer) -> None:
    ans = answerer.answer(analyse("Quyết định 534 của Quảng Ngãi có hiệu lực từ khi nào, theo đề nghị của ai?"), DOCS)
    head = _statement(ans.answer)
    assert "kể từ ngày ký" in head and "Giám đốc Sở Nội vụ" in head


def test_document_number_with_its_date(answerer: ExtractiveAnswerer) -> None:
    ans = answerer.answer(analyse("Kế hoạch triển khai Đề án đổi mới cơ chế một cửa ở Quảng Ngãi mang số nào, "
                                  "ban hành ngày nào?"), DOCS)
    assert "**140/KH-UBND ngày 14/10/2021**" in _statement(ans.answer)


def test_present_state_question_is_not_answered_by_a_target(answerer: ExtractiveAnswerer) -> None:
    ans = answerer.answer(analyse("Hiện Tuyên Quang có bao nhiêu đơn vị sự nghiệp công lập?"), DOCS)
    assert ans.abstained and ans.answer.startswith(ABSTAIN_PREFIX)
    target = answerer.answer(analyse("Tuyên Quang đặt mục tiêu giảm bao nhiêu đơn vị sự nghiệp công lập?"), DOCS)
    assert not target.abstained and "tối thiểu 10%" in target.answer


def test_hotline_question_abstains_without_a_phone_number(answerer: ExtractiveAnswerer) -> None:
    ans = answerer.answer(analyse("Số điện thoại đường dây nóng của UBND tỉnh Quảng Ngãi là gì?"), DOCS)
    assert ans.abstained


def test_target_statement_names_what_the_number_measures(answerer: ExtractiveAnswerer) -> None:
    ans = answerer.answer(analyse("Tuyên Quang đặt mục tiêu giảm bao nhiêu đơn vị sự nghiệp công lập?"), DOCS)
    assert "**tối thiểu 10%** đơn vị sự nghiệp công lập" in _statement(ans.answer)


# -- lists --------------------------------------------------------------------------------------

def test_inline_items_after_a_colon() -> None:
    from assistant.qa.answer.layout import inline_items

    line = "Cải cách hành chính thực hiện trên cơ sở 6 nội dung, đó là: (1) Cải cách thể chế; (2) Cải cách TTHC; " \
           "(3) Cải cách tài chính công."
    assert inline_items(line) == ["Cải cách thể chế", "Cải cách TTHC", "Cải cách tài chính công"]
    assert inline_items("Sở Nội vụ chủ trì; phối hợp: các sở") == []


def test_list_items_are_sub_sections_in_later_chunks() -> None:
    """A heading whose first sub-section shares its chunk, the others in later chunks: the outline lists them."""
    head = "II › 2. Nhiệm vụ cụ thể đối với Chỉ số PAR INDEX"
    chunk = _doc("qn", f"{head} › a) Đối với lĩnh vực chỉ đạo, điều hành",
                 "2. Nhiệm vụ cụ thể đối với Chỉ số PAR INDEX\na) Đối với lĩnh vực chỉ đạo, điều hành\n"
                 "- Sở Nội vụ tham mưu kế hoạch CCHC hằng năm.")
    outline = {"qn": [f"{head} › a) Đối với lĩnh vực chỉ đạo, điều hành", f"{head} › b) Đối với lĩnh vực cải cách "
                      "thể chế", f"{head} › c) Đối với lĩnh vực cải cách tài chính công", "II › 3. Nhiệm vụ khác › 1."]}
    answerer = ExtractiveAnswerer(CorpusView(build_idf([chunk.page_content]), provinces=["Quảng Ngãi"], outline=outline),
                                  threshold=0.2)
    ans = answerer.answer(analyse("Quảng Ngãi đề ra nhiệm vụ cụ thể cho những lĩnh vực nào của Chỉ số PAR INDEX?"),
                          [chunk])
    head_text = _statement(ans.answer)
    assert "cải cách thể chế" in head_text and "cải cách tài chính công" in head_text


def test_outline_sections_without_titles_are_not_list_items() -> None:
    chunk = _doc("qd", "PHỤ LỤC › II. Phát triển dữ liệu số", "II | Phát triển dữ liệu số")
    outline = {"qd": ["PHỤ LỤC › II. Phát triển dữ liệu số › 1.", "PHỤ LỤC › II. Phát triển dữ liệu số › 2."]}
    answerer = ExtractiveAnswerer(CorpusView(build_idf([chunk.page_content]), outline=outline), threshold=0.2)
    from assistant.qa.answer.model import Evidence

    e = Evidence(chunk, "II. Phát triển dữ liệu số", 0, "II. Phát triển dữ liệu số", 1.0, 1.0, "")
    assert answerer.composer.items_under(e)[1] == []


def test_a_percentage_question_is_not_a_count() -> None:
    assert relations.counted_noun("bao nhiêu phần trăm hồ sơ") is None
    assert relations.counted_noun("bao nhiêu điều kiện") is None
    assert relations.counted_noun("có bao nhiêu phần") == "phan"
    assert relations.counted_noun("gồm mấy nhóm nhiệm vụ") == "nhom nhiem vu"


def test_agent_of_a_passive_action() -> None:
    assert relations.agent_action("Việc đóng góp xây mới công trình được giám sát bởi ai?") == "giam sat"
    assert relations.agent_action("Dự thảo do cơ quan nào thẩm định?") == "tham dinh"
    assert relations.relation_of("Việc này dưới sự chỉ đạo của ai?") == "agent"
    assert relations.agent_action("Ai chủ trì cải cách thể chế?") is None
    assert relations.agent_action("Theo đề nghị của ai?") is None  # a proposer, not an agent
    text = ("Vận động Nhân dân đóng góp xây mới, sửa chữa công trình công cộng dưới sự giám sát của Ban Giám sát "
            "đầu tư cộng đồng hoặc Ban Thanh tra nhân dân.")
    assert [f.text for f in relations.agents(text, "giam sat")] == [
        "Ban Giám sát đầu tư cộng đồng hoặc Ban Thanh tra nhân dân"]
    assert [f.text for f in relations.agents("Hồ sơ do Sở Tư pháp thẩm định trước khi trình.", "tham dinh")] == [
        "Sở Tư pháp"]
    # a body named by its function, in lower case; "do" meaning "because" names no one
    assert [f.text for f in relations.agents("Công chức được cử làm việc tại Trung tâm thì do cơ quan chủ quản "
                                             "đánh giá, xếp loại chất lượng.", "danh gia")] == ["cơ quan chủ quản"]
    assert relations.agents("Chậm trễ do đơn vị chưa bố trí kinh phí, do đó cần đánh giá lại.", "danh gia") == []


def test_answer_names_a_body_outside_the_gazetteer_as_the_agent() -> None:
    chunk = _doc("qn", "II › 3 › d)", "- UBND cấp xã:\n+ Vận động Nhân dân đóng góp xây mới, sửa chữa công trình "
                                      "công cộng ở cơ sở dưới sự giám sát của Ban Thanh tra nhân dân.")
    answerer = ExtractiveAnswerer(CorpusView(build_idf([chunk.page_content]), provinces=["Quảng Ngãi"]), threshold=0.2)
    ans = answerer.answer(analyse("Ở Quảng Ngãi, việc đóng góp xây mới công trình công cộng được giám sát bởi ai?"),
                          [chunk])
    assert "**Ban Thanh tra nhân dân**" in _statement(ans.answer)


def test_a_section_headed_by_a_department_with_a_comma_in_its_name() -> None:
    chunk = _doc("qn", "II › 2 › b)", "b) Đối với nội dung “Công khai, minh bạch”\n- Sở Lao động, Thương binh và "
                                      "Xã hội:\n+ Kiểm tra việc công khai các hộ nghèo, cận nghèo.")
    answerer = ExtractiveAnswerer(CorpusView(build_idf([chunk.page_content]), provinces=["Quảng Ngãi"]), threshold=0.2)
    ans = answerer.answer(analyse("Ở Quảng Ngãi, đơn vị nào chủ trì việc công khai hộ nghèo, cận nghèo?"), [chunk])
    assert "**Sở Lao động, Thương binh và Xã hội**" in _statement(ans.answer)


def test_this_plan_is_the_plan_the_question_names_by_title() -> None:
    ruler = _doc("qn", "II › 1", "- UBND cấp huyện:\n+ Tăng cường phổ biến, tuyên truyền tới Nhân dân các giải pháp nâng cao "
                                 "hiệu quả của tỉnh.", title="Kế hoạch nâng cao Chỉ số PAPI cấp tỉnh")
    own = _doc("qn", "III › 2", "2. Sở Thông tin và Truyền thông chủ trì tuyên truyền, phổ biến Kế hoạch này để "
                                "Nhân dân biết.", title="Kế hoạch nâng cao Chỉ số PAPI cấp tỉnh")
    answerer = ExtractiveAnswerer(CorpusView(build_idf([ruler.page_content, own.page_content]), provinces=["Quảng Ngãi"]),
                                  threshold=0.2)
    ans = answerer.answer(analyse("Cơ quan nào phổ biến, tuyên truyền Kế hoạch nâng cao Chỉ số PAPI của Quảng Ngãi "
                                  "tới Nhân dân?"), [ruler, own])
    assert "**Sở Thông tin và Truyền thông**" in _statement(ans.answer)
