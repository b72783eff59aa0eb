"""Facts read from a document's structure: table columns named by their header row, labelled fields
("Cơ quan chủ trì: …"), partners and doers that the closed agency list does not name."""

from __future__ import annotations

from assistant.lexicon import relations
from assistant.lexicon.facts import names_organisation, role_fields
from assistant.qa.answer.columns import answer_cell, column, header_above, headers, is_header

TABLE = "\n".join([
    "PHỤ LỤC",
    "STT | Tên nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian hoàn thành",
    "1 | Xây dựng Bộ tiêu chí đánh giá | Sở KH&CN | Các sở, ban, ngành tỉnh | Quí IV-2025",
    "2 | Biểu dương doanh nghiệp | Sở Nội vụ | Tỉnh đoàn; các cơ quan liên quan | Thường xuyên, hằng năm",
    "Phụ lục II",
    "TT | Chỉ tiêu | Năm 2026 | Năm 2027 | Năm 2028",
    "1 | Chi đầu tư từ nguồn thu xổ số | 4.800.000 | 5.300.000 | 6.000.000",
])


def test_header_rows_are_told_from_data_rows():
    assert is_header(["STT", "Tên nhiệm vụ", "Cơ quan chủ trì", "Thời gian"])
    assert is_header(["Nhiệm vụ", "Đơn vị chủ trì", "Thời hạn"])  # no STT, but three kinds of column
    assert not is_header(["1", "Xây dựng Bộ tiêu chí đánh giá", "Sở KH&CN", "Quí IV-2025"])
    assert not is_header(["Nội dung", "45", "50"])


def test_a_row_is_read_through_the_header_of_its_own_table():
    found = headers(TABLE)
    assert [len(h) for _, h in found] == [5, 5]
    row = TABLE.split("\n")[2]
    header = header_above(found, TABLE.index(row), 5)
    assert header is not None and header[2] == "Cơ quan chủ trì"
    assert answer_cell(row, "lead", header) == "Sở KH&CN"
    assert answer_cell(row, "partner", header) == "Các sở, ban, ngành tỉnh"
    assert answer_cell(row, "time", header) == "Quí IV-2025"
    money = TABLE.split("\n")[-1]
    year_header = header_above(found, TABLE.index(money), 5)
    assert year_header is not None and year_header[0] == "TT"
    assert answer_cell(money, "year", year_header, 2028) == "6.000.000"
    assert answer_cell(money, "year", year_header, 2030) is None  # no column for that year: no answer
    assert header_above(found, 0, 5) is None  # nothing above the first header


def test_rows_without_a_header_fall_back_to_what_the_cells_look_like():
    row = "8 | Xây dựng hạ tầng 5G | Sở KH&CN | Ban Quản lý Khu kinh tế, Sở Công Thương | Quí IV-2025"
    assert answer_cell(row, "lead", None) == "Sở KH&CN"
    assert answer_cell(row, "partner", None) == "Ban Quản lý Khu kinh tế, Sở Công Thương"
    assert answer_cell(row, "time", None) == "Quí IV-2025"
    assert answer_cell("6 | Tỷ lệ người dân có chữ ký số đạt 80% | Tỉnh đoàn", "lead", None) == "Tỉnh đoàn"
    assert answer_cell("1 | Nội dung không giao cho ai | Thường xuyên", "lead", None) is None


def test_partner_column_is_not_taken_for_the_lead():
    assert column(["TT", "Nhiệm vụ", "Cơ quan phối hợp", "Cơ quan chủ trì"], "lead") == 3
    assert column(["TT", "Nhiệm vụ", "Đơn vị thực hiện", "Thời hạn"], "lead") == 2
    assert column(["TT", "Nhiệm vụ", "Đơn vị thực hiện", "Thời hạn"], "partner") is None


def test_names_of_bodies_and_office_holders():
    for name in ("Tỉnh đoàn", "Sở KH&CN", "EVN", "Cục trưởng Cục Phát thanh truyền hình", "Ban Quản lý Khu kinh tế",
                 "Thủ tướng Chính phủ", "Các sở, ngành có liên quan"):
        assert names_organisation(name), name
    for text in ("Bộ quy tắc ứng xử văn hóa", "Thường xuyên", "Nghị quyết số 71/NQ-CP", "Ban hành kế hoạch"):
        assert not names_organisation(text), text


def test_labelled_fields_give_each_role_its_bodies():
    fields = role_fields("Cơ quan chủ trì: Sở Khoa học và Công nghệ - Cơ quan phối hợp: Các sở, ngành, UBND các xã.")
    assert fields["chủ trì"].text == "Sở Khoa học và Công nghệ"
    assert fields["phối hợp"].text == "Các sở, ngành, UBND các xã"
    assert role_fields("- Cơ quan thực hiện: Sở Tư pháp; Sở Văn hóa, Thể thao và Du lịch.")["thực hiện"].text == \
        "Sở Tư pháp; Sở Văn hóa, Thể thao và Du lịch"
    assert role_fields("Sở Tài chính chủ trì: xây dựng kế hoạch") == {}  # a task after the colon, not a body


def test_partners_and_doers_outside_the_agency_list():
    found = relations.partners("- Sở Văn hóa, Thể thao và Du lịch phối hợp với Ban Tuyên giáo và Dân vận Tỉnh ủy "
                               "tiếp tục chỉ đạo các cơ quan truyền thông")
    assert [f.text for f in found] == ["Ban Tuyên giáo và Dân vận Tỉnh ủy"]
    assert relations.asked_action("Theo Nghị định 172, ai ra quyết định xử lý kỷ luật?") == "ra quyet"
    assert relations.asked_action("Ai là Trưởng Ban Chỉ đạo?") is None
    sentence = "Đối với chức danh do Quốc hội phê chuẩn thì Thủ tướng Chính phủ ra quyết định xử lý kỷ luật."
    assert relations.doer(sentence, "ra quyet").text == "Thủ tướng Chính phủ"
    assert relations.doer("Cục trưởng quyết định nâng bậc lương thường xuyên.", "quyet dinh").text == "Cục trưởng"
    # a word may come between the action's words as asked ("ai quyết nâng lương …")
    assert relations.doer("Cục trưởng quyết định nâng bậc lương thường xuyên.", "quyet nang").text == "Cục trưởng"
    assert relations.doer("Cục trưởng quyết định về việc nâng bậc lương.", "quyet nang") is None
    # the action's words inside a name ("Cục Quản lý Thi hành án") are not the action
    assert relations.doer("hồ sơ điện tử của: Cục trưởng Cục Quản lý Thi hành án dân sự", "quan ly") is None
    assert relations.doer("Vụ trưởng Vụ Tổ chức cán bộ quản lý hồ sơ giấy", "quan ly").text == "Vụ trưởng Vụ Tổ chức cán bộ"
    # another action comes between the name and the one asked: the name does not do it
    assert relations.doer("Thủ tướng Chính phủ quyết định thành lập hội đồng thẩm định hồ sơ", "tham dinh") is None


def test_the_answerer_states_the_column_asked_with_its_role():
    from langchain_core.documents import Document

    from assistant.qa.analyse import analyse
    from assistant.qa.answer import CorpusView, ExtractiveAnswerer, build_idf

    row = TABLE.split("\n")[2]
    start = TABLE.index(row)
    chunk = Document(id="dt:1", page_content=row, metadata={
        "doc_id": "dt", "chunk_id": "dt:1", "title": "Kế hoạch chuyển đổi số doanh nghiệp", "so_hieu": "617/KH-UBND",
        "province": "Đồng Tháp", "doc_type": "Kế hoạch", "section": "PHỤ LỤC › 1.", "start": start})
    answerer = ExtractiveAnswerer(CorpusView(build_idf([TABLE]), provinces=["Đồng Tháp"], texts={"dt": TABLE}),
                                  threshold=0.2)
    lead = answerer.answer(analyse("Cơ quan nào chủ trì xây dựng Bộ tiêu chí đánh giá?"), [chunk])
    assert lead.answer.startswith("Đồng Tháp (Kế hoạch 617/KH-UBND): **Sở KH&CN** chủ trì")
    partner = answerer.answer(analyse("Những cơ quan nào phối hợp xây dựng Bộ tiêu chí đánh giá?"), [chunk])
    assert "**Các sở, ban, ngành tỉnh**" in partner.answer.split("\n")[0]
    due = answerer.answer(analyse("Bộ tiêu chí đánh giá phải xây dựng xong khi nào?"), [chunk])
    assert "**Quí IV-2025**" in due.answer.split("\n")[0]
    assert all(c.text in TABLE for c in due.citations)


def test_a_labelled_field_is_stated_with_the_role_its_label_gives():
    from assistant.qa.analyse import analyse
    from tests.corpus import answerer_over, section_chunk, statement

    text = ("1. Tổ chức tuyên truyền, phổ biến, tập huấn nội dung Luật Tiêu chuẩn và quy chuẩn kỹ thuật.\n"
            "- Cơ quan thực hiện: Sở Khoa học và Công nghệ; Sở Tư pháp; Báo và Phát thanh Truyền hình Lai Châu.")
    chunk = section_chunk("lc", "7360/KH-UBND", "Kế hoạch", "II › 1.", text, province="Lai Châu")
    answerer = answerer_over(text, provinces=["Lai Châu"])
    got = answerer.answer(analyse("Ở Lai Châu, những cơ quan nào tuyên truyền, tập huấn nội dung Luật?"), [chunk])
    said = statement(got.answer)
    assert "**Sở Khoa học và Công nghệ; Sở Tư pháp; Báo và Phát thanh Truyền hình Lai Châu** thực hiện" in said
    assert "chủ trì" not in said  # the text gives who carries it out, not who leads


def test_a_paragraph_ending_with_a_colon_governs_the_items_under_it():
    from assistant.qa.answer.layout import lines_with_governors

    chunk = ("2. Lưu giữ tài liệu\nTài liệu kết quả đánh giá được lưu giữ bằng hình thức điện tử, bao gồm:\n"
             "a) Phiếu xếp loại chất lượng;\nb) Nhận xét của cấp ủy.\nViệc lưu giữ do cơ quan quản lý thực hiện.\n"
             "- Báo cáo kết quả.")
    governors = {line: gov for line, _, gov in lines_with_governors(chunk)}
    lead = "Tài liệu kết quả đánh giá được lưu giữ bằng hình thức điện tử, bao gồm:"
    assert governors["a) Phiếu xếp loại chất lượng;"] == ["2. Lưu giữ tài liệu", lead]
    assert governors["b) Nhận xét của cấp ủy."][-1] == lead
    # a new paragraph ends the list the colon introduced
    assert lead not in governors["- Báo cáo kết quả."]
    assert lead not in governors["Việc lưu giữ do cơ quan quản lý thực hiện."]


def test_a_list_introduced_at_the_end_of_a_chunk_is_read_from_the_sections_below():
    from langchain_core.documents import Document

    from assistant.qa.analyse import analyse
    from assistant.qa.answer import CorpusView, ExtractiveAnswerer, build_idf

    section = "QUY ĐỊNH › Điều 12. Lưu giữ tài liệu đánh giá"
    text = "Điều 12. Lưu giữ tài liệu đánh giá\nTài liệu kết quả đánh giá được lưu giữ bằng hình thức điện tử, bao gồm:"
    chunk = Document(id="hp:12", page_content=text, metadata={
        "doc_id": "hp", "chunk_id": "hp:12", "title": "Quy định đánh giá cán bộ", "so_hieu": "212/2025/QĐ-UBND",
        "province": "Hải Phòng", "doc_type": "Quyết định", "section": section, "start": 0})
    outline = {"hp": [section, f"{section} › 1. Phiếu xếp loại chất lượng", f"{section} › 2. Nhận xét của cấp ủy",
                      f"{section} › 3. Kết quả đánh giá hằng năm", "QUY ĐỊNH › Điều 13. Hiệu lực"]}
    answerer = ExtractiveAnswerer(CorpusView(build_idf([text]), provinces=["Hải Phòng"], outline=outline), threshold=0.2)
    got = answerer.answer(analyse("Tài liệu kết quả đánh giá được lưu giữ gồm những tài liệu nào?"), [chunk])
    first = got.answer.split("\n")[0]
    assert "Phiếu xếp loại chất lượng" in first and "Nhận xét của cấp ủy" in first
    assert "Hiệu lực" not in first


def test_a_list_introduced_at_the_end_of_a_chunk_is_read_from_the_lines_after_it():
    from langchain_core.documents import Document

    from assistant.qa.analyse import analyse
    from assistant.qa.answer import CorpusView, ExtractiveAnswerer, build_idf

    head = "Điều 12. Lưu giữ tài liệu đánh giá\nTài liệu kết quả đánh giá được lưu giữ bằng hình thức điện tử, bao gồm:"
    full = head + "\n1. Phiếu xếp loại chất lượng;\n2. Nhận xét của cấp ủy;\n3. Bản tự nhận xét.\nĐiều 13. Hiệu lực"
    chunk = Document(id="hp:12", page_content=head, metadata={
        "doc_id": "hp", "chunk_id": "hp:12", "title": "Quy định đánh giá cán bộ", "so_hieu": "212/2025/QĐ-UBND",
        "province": "Hải Phòng", "doc_type": "Quyết định", "section": "Điều 12. Lưu giữ tài liệu đánh giá", "start": 0})
    answerer = ExtractiveAnswerer(CorpusView(build_idf([full]), provinces=["Hải Phòng"], texts={"hp": full}),
                                  threshold=0.2)
    got = answerer.answer(analyse("Tài liệu kết quả đánh giá được lưu giữ gồm những tài liệu nào?"), [chunk])
    first = got.answer.split("\n")[0]
    assert "Phiếu xếp loại chất lượng" in first and "Bản tự nhận xét" in first
    assert "Hiệu lực" not in first


def test_items_of_an_article_split_into_chunks_named_by_their_numbers_are_read_from_the_text():
    """An article whose items were chunked as "1–4", "5.", "6–9" lists its items, not those numbers."""
    from assistant.qa.analyse import analyse
    from tests.corpus import answerer_over, section_chunk, statement

    head = "Điều 2.\nThay thế, bãi bỏ một số cụm từ tại Nghị quyết số 10/2022/NQ-HĐND của Hội đồng nhân dân tỉnh"
    items = ("1. Thay thế cụm từ “Ủy ban nhân dân tỉnh” thành “Ủy ban nhân dân thành phố” tại Điều 3.\n"
             "2. Thay thế cụm từ “toàn tỉnh” thành “toàn thành phố” tại Điều 5.\n"
             "3. Bãi bỏ cụm từ “cấp huyện” tại khoản 6 Điều 2.\n")
    full = f"{head}\n{items}Điều 3.\nNghị quyết này có hiệu lực từ ngày 28 tháng 11 năm 2025."
    outline = {"hue": ["Điều 2.", "Điều 2. › 1–2", "Điều 2. › 3.", "Điều 3."]}
    answerer = answerer_over(full, provinces=["Huế"], texts={"hue": full}, outline=outline)
    chunk = section_chunk("hue", "34/2025/NQ-HĐND", "Nghị quyết", "Điều 2.", head, province="Huế")
    got = answerer.answer(analyse("Điều 2 Nghị quyết 34 của Huế thay thế, bãi bỏ những cụm từ nào?"), [chunk])
    said = statement(got.answer)
    assert "gồm 3 nội dung" in said and "“toàn thành phố”" in said and "“cấp huyện”" in said
    assert "1–2" not in said and "hiệu lực" not in said


def test_a_list_question_is_answered_by_the_list_under_the_closest_heading():
    """"Những hình thức khen thưởng nào": the items under "a) Hình thức khen thưởng", not a sentence of the
    criteria in the next chunk, nor the two headings of the outer "2. Hình thức và tiêu chuẩn khen thưởng"."""
    from assistant.qa.analyse import analyse
    from tests.corpus import answerer_over, section_chunk, statement

    forms = ("2. Hình thức và tiêu chuẩn khen thưởng\na) Hình thức khen thưởng\n- Huân chương Lao động;\n"
             "- Bằng khen của Thủ tướng Chính phủ;\n- Giấy khen.")
    criteria = ("b) Tiêu chuẩn khen thưởng\nCác cơ quan, đơn vị căn cứ thành tích trong đợt thi đua để bình xét "
                "khen thưởng cho các tập thể, cá nhân tiêu biểu theo quy định về thi đua, khen thưởng.")
    answerer = answerer_over(forms, criteria, provinces=["Nghệ An"])
    section = "III. THI ĐUA › 2. Hình thức và tiêu chuẩn khen thưởng"
    chunks = [section_chunk("na", "982/KH-UBND", "Kế hoạch", f"{section} › b) Tiêu chuẩn khen thưởng", criteria,
                            start=200, province="Nghệ An"),
              section_chunk("na", "982/KH-UBND", "Kế hoạch", f"{section} › a) Hình thức khen thưởng", forms,
                            province="Nghệ An")]
    got = answerer.answer(analyse("Kế hoạch 982 của Nghệ An quy định những hình thức khen thưởng nào cho đợt thi đua?"),
                          chunks)
    first = statement(got.answer).strip().split("\n")[0]
    assert "gồm 3 nội dung" in first and "Huân chương Lao động; Bằng khen" in first and "Giấy khen" in first
    assert ";;" not in first


def test_a_sentence_that_lists_the_answer_itself_is_not_replaced_by_the_list_of_its_heading():
    """"Từ những nguồn nào": the item that names the sources ("từ nguồn A, nguồn B và các nguồn C") answers;
    the heading above it lists the section's items, one of which is that sentence, and is broader."""
    from assistant.qa.analyse import analyse
    from tests.corpus import answerer_over, section_chunk, statement

    first = ("IV. KINH PHÍ THỰC HIỆN\n1. Kinh phí thực hiện Kế hoạch được bố trí từ nguồn ngân sách nhà nước hằng năm, nguồn "
             "quỹ bảo hiểm thất nghiệp và các nguồn kinh phí hợp pháp khác.")
    full = (f"{first}\n2. Sở Tài chính chủ trì tham mưu bố trí kinh phí chi thường xuyên.\n"
            "3. Các sở, ngành lập dự toán kinh phí thực hiện nhiệm vụ được giao.\nV. TỔ CHỨC THỰC HIỆN")
    outline = {"ct": ["IV. KINH PHÍ THỰC HIỆN", "IV. KINH PHÍ THỰC HIỆN › 1.", "IV. KINH PHÍ THỰC HIỆN › 2–3", "V. TỔ CHỨC THỰC HIỆN"]}
    answerer = answerer_over(full, provinces=["Cần Thơ"], texts={"ct": full}, outline=outline)
    chunk = section_chunk("ct", "55/KH-UBND", "Kế hoạch", "IV. KINH PHÍ THỰC HIỆN › 1.", first, province="Cần Thơ")
    got = answerer.answer(analyse("Kinh phí thực hiện Kế hoạch 55 của Cần Thơ được bố trí từ những nguồn nào?"), [chunk])
    said = statement(got.answer)
    assert "bảo hiểm thất nghiệp" in said and "nguồn kinh phí hợp pháp khác" in said
    assert "nội dung" not in said and "Sở Tài chính" not in said  # not the items of its heading


def test_a_heading_above_a_sentence_is_not_a_closer_list_than_the_sentence():
    """The list of a heading that governs the best sentence (its line or a label of its section path) holds
    that sentence: it is broader, never the closer list a list question is moved to."""
    from assistant.qa.answer.model import Evidence
    from assistant.qa.answer.selection import _governs
    from tests.corpus import section_chunk

    chunk = section_chunk("na", "982/KH-UBND", "Kế hoạch", "III. THI ĐUA › 2. Hình thức và tiêu chuẩn › b) Tiêu chuẩn",
                          "b) Tiêu chuẩn\nCác cơ quan bình xét khen thưởng.")
    best = Evidence(chunk, "Các cơ quan bình xét khen thưởng.", 13, "Các cơ quan bình xét khen thưởng.", 0.8, 0.8, "",
                    ["b) Tiêu chuẩn"])

    def head(line: str) -> Evidence:
        return Evidence(chunk, line, 0, line, 0.6, 0.6, "", [])

    assert _governs(head("b) Tiêu chuẩn"), best)  # its governing line
    assert _governs(head("2. Hình thức và tiêu chuẩn"), best)  # a label of its section path
    assert not _governs(head("a) Hình thức khen thưởng"), best)  # a sibling heading


def test_a_paragraph_enumerating_inline_is_not_moved_before_the_best_sentence_as_a_list_heading():
    """Only a line with items under it heads a list: a paragraph that enumerates inline ("… như: A; B; C")
    keeps the rank its coverage gives it, so the causes are not listed for a question about the shortcomings."""
    from assistant.qa.answer.model import Evidence
    from assistant.qa.answer.selection import Selector
    from tests.corpus import answerer_over, section_chunk

    causes = ("Nguyên nhân của những tồn tại, hạn chế trong cải cách TTHC như: công tác kiểm soát chưa được quan "
              "tâm; trình độ của công chức chưa phù hợp; hạ tầng chưa đồng bộ.")
    best_line = "Để khắc phục những tồn tại, hạn chế trong cải cách TTHC, Chủ tịch UBND tỉnh yêu cầu:"
    chunk = section_chunk("dl", "12/CT-UBND", "Chỉ thị", "Phần mở đầu", f"{causes}\n{best_line}")
    answerer = answerer_over(chunk.page_content)
    selector: Selector = answerer.selector
    best = Evidence(chunk, best_line, len(causes) + 1, best_line, 0.8, 0.8, "", [])
    paragraph = Evidence(chunk, causes, 0, causes, 0.75, 0.75, "", [])
    assert selector.lists_items(paragraph, ["ton", "tai", "han", "che"])  # its quote lists the causes ...
    assert not selector.heads_list(paragraph)  # ... but it heads no list of its own
    assert selector._list_first([best, paragraph], ["ton", "tai", "han", "che"])[0] is best
