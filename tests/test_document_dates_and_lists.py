"""Questions about a document's own date (also comparing documents named by number), the words that
tell a list from a lead body, lists whose items are split over chunks or wrapped over lines, and the
numbers a question asks for by what they count or the tier of government they are said of."""

from __future__ import annotations

from assistant.lexicon.relations import DOC_DATE_Q
from assistant.lexicon.text import fold
from assistant.qa.analyse import analyse, detect_intent
from assistant.qa.answer import CorpusView, ExtractiveAnswerer, build_idf
from tests.corpus import answerer_over, section_chunk, statement


def test_questions_on_a_documents_own_date_are_told_from_durations_and_deadlines():
    for asked in ("Văn bản nào được ban hành trước?", "Nghị quyết nào có hiệu lực muộn hơn?",
                  "Hai nghị quyết được thông qua vào ngày nào?", "Which decree took effect first?"):
        assert DOC_DATE_Q.search(fold(asked)), asked
    for other in ("Quyết định nghỉ hưu phải ban hành trước bao lâu?", "Kế hoạch ban hành trước ngày 30/6/2025",
                  "Văn bản hướng dẫn được ban hành sau khi Luật có hiệu lực"):
        assert not DOC_DATE_Q.search(fold(other)), other


def test_two_documents_named_by_number_and_a_choice_between_them_make_a_comparison():
    got = analyse("Nghị định 172/2025/NĐ-CP và Thông tư 23/2025/TT-BTP, văn bản nào được ban hành trước?")
    assert (got.intent, got.sub_intent, got.relation) == ("comparison", "deadline", None)
    assert got.doc_numbers == ["172", "23"]
    assert analyse("Nghị quyết 81/2025 của HĐND Hà Nội có hiệu lực từ ngày nào?").doc_numbers == ["81"]
    # a document cited by the one asked about is no comparison
    assert analyse("Kế hoạch 249 thực hiện Quyết định 123 về nội dung gì?").intent != "comparison"


def test_the_dated_line_of_each_compared_document_answers_when_it_was_issued():
    decree = section_chunk("nd", "172/2025/NĐ-CP", "Nghị định", "Phần mở đầu",
                    "CHÍNH PHỦ | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 172/2025/NĐ-CP | Hà Nội, ngày 30 tháng 6 năm 2025"
                    "\nCăn cứ Nghị định số 112/2020/NĐ-CP ngày 18/9/2020 về xử lý kỷ luật cán bộ, công chức;")
    circular = section_chunk("tt", "23/2025/TT-BTP", "Thông tư", "Phần mở đầu",
                      "BỘ TƯ PHÁP\nSố: 23/2025/TT-BTP | Hà Nội, ngày 20 tháng 11 năm 2025 | THÔNG TƯ\n"
                      "Căn cứ Nghị định số 71/2023/NĐ-CP ngày 20/9/2023 về xử lý kỷ luật cán bộ, công chức;")
    corpus = CorpusView(build_idf([decree.page_content, circular.page_content]),
                        issued={"nd": "2025-06-30", "tt": "2025-11-20"})
    got = ExtractiveAnswerer(corpus, threshold=0.2).answer(
        analyse("Nghị định 172/2025/NĐ-CP về xử lý kỷ luật và Thông tư 23/2025/TT-BTP, văn bản nào được ban hành "
                "trước?"), [decree, circular])
    statement = got.answer.split("**Căn cứ:**")[0]
    assert "**ngày 30 tháng 6 năm 2025**" in statement and "**ngày 20 tháng 11 năm 2025**" in statement
    assert "2020" not in statement and "2023" not in statement  # never the dates of the documents cited


def test_accents_tell_which_department_from_which_number_and_members_from_the_lead():
    assert detect_intent("Sở nào chủ trì cải cách thể chế?") == "who_leads"
    assert detect_intent("So nao chu tri cai cach the che?") == "who_leads"  # no accents: still a department
    assert detect_intent("Ngân hàng được giao chủ trì những chỉ tiêu xã hội số nào?") == "list"
    assert detect_intent("Các đơn vị sự nghiệp trực thuộc Sở Nội vụ gồm những đơn vị nào?") == "list"


def test_an_item_of_a_list_split_over_chunks_is_answered_with_the_whole_list():
    text = ("Điều 9. Hồ sơ đề án\n2. Hồ sơ đề án sắp xếp đơn vị hành chính cấp xã gồm có:\na) Tờ trình;\n"
            "b) Báo cáo tổng hợp ý kiến Nhân dân;\nc) Dự thảo nghị quyết;\nđ) 02 tờ bản đồ;\ne) Các tài liệu khác.\n"
            "3. Thời hạn gửi hồ sơ.")
    tail = "đ) 02 tờ bản đồ;\ne) Các tài liệu khác."
    chunk = section_chunk("nq", "76/2025/UBTVQH15", "Nghị quyết",
                   "Điều 9. Hồ sơ đề án › 2. Hồ sơ đề án sắp xếp đơn vị hành chính cấp xã gồm có › đ)–e)", tail,
                   start=text.index(tail))
    corpus = CorpusView(build_idf([text]), texts={"nq": text})
    got = ExtractiveAnswerer(corpus, threshold=0.2).answer(
        analyse("Hồ sơ đề án sắp xếp đơn vị hành chính cấp xã gồm những tài liệu nào?"), [chunk])
    statement = got.answer.split("**Căn cứ:**")[0]
    assert "Tờ trình" in statement and "Dự thảo nghị quyết" in statement and "02 tờ bản đồ" in statement
    assert "Thời hạn" not in statement
    assert all(c.text in text for c in got.citations)


def test_a_list_after_its_lead_in_keeps_items_wrapped_over_two_lines():
    head = "Điều 18. Thu hồi thẩm quyền\nBộ trưởng quyết định thu hồi thẩm quyền đã phân cấp trong các trường hợp sau:"
    full = (head + "\n1. Vi phạm quy định của Bộ\nTư pháp đến mức không thể tiếp tục phân cấp.\n"
            "2. Đơn vị xảy ra tình trạng mất đoàn kết nội bộ.\n3. Các trường hợp khác.\nĐiều 19. Xử lý vi phạm")
    chunk = section_chunk("tt", "23/2025/TT-BTP", "Thông tư", "Điều 18. Thu hồi thẩm quyền", head)
    corpus = CorpusView(build_idf([full]), texts={"tt": full},
                        outline={"tt": ["Điều 18. Thu hồi thẩm quyền", "Điều 18. Thu hồi thẩm quyền › 1–3"]})
    got = ExtractiveAnswerer(corpus, threshold=0.2).answer(
        analyse("Bộ trưởng thu hồi thẩm quyền đã phân cấp trong những trường hợp nào?"), [chunk])
    statement = got.answer.split("**Căn cứ:**")[0]
    assert "không thể tiếp tục phân cấp" in statement and "mất đoàn kết nội bộ" in statement
    assert "Xử lý vi phạm" not in statement


def test_the_date_of_a_cited_document_is_no_time_of_a_task():
    from assistant.lexicon import facts as extract

    sentence = ("Thực hiện Kế hoạch số 283/KH-UBND ngày 24/9/2025 của Ủy ban nhân dân Tỉnh và Nghị quyết số "
                "71/NQ-CP ngày 01/5/2025; hoàn thành trước ngày 30/6/2026.")
    cited = {f.text: extract.of_cited_document(sentence, f) for f in extract.times(sentence)}
    assert cited == {"ngày 24/9/2025": True, "ngày 01/5/2025": True, "trước ngày 30/6/2026": False}


def test_an_upper_case_heading_is_no_body():
    from assistant.lexicon.facts import names_organisation

    assert not names_organisation("BAN HÀNH QUY ĐỊNH VỀ TIÊU CHÍ ĐÁNH GIÁ")
    assert names_organisation("UBND tỉnh Lạng Sơn") and names_organisation("SỞ NỘI VỤ")


def test_in_force_from_signing_is_said_with_the_day_it_was_signed():
    header = section_chunk("qd", "2920/QĐ-UBND", "Quyết định", "Phần mở đầu",
                    "ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH\nSố: 2920/QĐ-UBND | Hà Tĩnh, ngày 24 tháng 11 năm 2025 | QUYẾT ĐỊNH")
    article = section_chunk("qd", "2920/QĐ-UBND", "Quyết định", "Điều 2.",
                     "Điều 2. Quyết định này có hiệu lực kể từ ngày ban hành.", start=500)
    corpus = CorpusView(build_idf([header.page_content, article.page_content]), issued={"qd": "2025-11-24"})
    got = ExtractiveAnswerer(corpus, threshold=0.2).answer(
        analyse("Quyết định 2920/QĐ-UBND có hiệu lực khi nào?"), [article, header])
    statement = got.answer.split("**Căn cứ:**")[0]
    assert "**kể từ ngày ban hành**" in statement and "**ngày 24 tháng 11 năm 2025**" in statement
    assert len(got.citations) == 2


def test_the_date_of_a_cited_document_is_the_one_written_after_its_number():
    letter = section_chunk("cv", "10988/BNV-CQĐP", "Công văn", "Phần mở đầu",
                    "BỘ NỘI VỤ\nSố: 10988/BNV-CQĐP | Hà Nội, ngày 25 tháng 11 năm 2025\n"
                    "Bộ Chính trị, Ban Bí thư đã có Kết luận số 212-KL/TW ngày 18/11/2025, trong đó yêu cầu rà soát "
                    "chức năng, nhiệm vụ của cơ quan chuyên môn.")
    corpus = CorpusView(build_idf([letter.page_content]), issued={"cv": "2025-11-25"})
    got = ExtractiveAnswerer(corpus, threshold=0.2).answer(
        analyse("Kết luận số 212-KL/TW được nhắc trong Công văn 10988/BNV-CQĐP ban hành ngày nào?"), [letter])
    statement = got.answer.split("**Căn cứ:**")[0]
    assert "18/11/2025" in statement and "25 tháng 11" not in statement
    own = ExtractiveAnswerer(corpus, threshold=0.2).answer(analyse("Công văn 10988/BNV-CQĐP ban hành ngày nào?"),
                                                           [letter])
    assert "25 tháng 11 năm 2025" in own.answer.split("**Căn cứ:**")[0]


def test_a_yearly_deadline_answers_by_which_day():
    text = ("Điều 5. Thời điểm đánh giá\nThời điểm đánh giá, xếp loại chất lượng công chức được tiến hành trước "
            "ngày 15 tháng 12 hằng năm, trước khi thực hiện việc bình xét khen thưởng.")
    rule = section_chunk("qd", "212/2025/QĐ-UBND", "Quyết định", "Điều 5.", text)
    got = answerer_over(text).answer(
        analyse("Việc đánh giá, xếp loại chất lượng công chức hằng năm phải tiến hành trước ngày nào?"), [rule])
    assert not got.abstained
    assert "**ngày 15 tháng 12 hằng năm**" in statement(got.answer)


def test_a_how_many_question_is_answered_by_the_number_before_the_noun_it_counts():
    text = ("Điều 3. Cơ cấu tổ chức\na) Lãnh đạo Sở: Giám đốc và không quá 03 Phó Giám đốc.\n"
            "b) 06 phòng chuyên môn: Phòng Xây dựng chính quyền; Phòng Công chức, viên chức; Văn phòng Sở.")
    rule = section_chunk("qd", "2920/QĐ-UBND", "Quyết định", "Điều 3.", text)
    got = answerer_over(text).answer(analyse("Theo Quyết định 2920/QĐ-UBND, Sở Nội vụ có bao nhiêu phòng chuyên môn?"),
                                 [rule])
    assert not got.abstained
    assert "**06 phòng chuyên môn**" in statement(got.answer)


def test_a_sum_given_for_another_tier_of_government_does_not_answer():
    text = ("Điều 15. Kinh phí thực hiện\n2. Ngân sách trung ương hỗ trợ một lần với định mức 100 tỷ đồng cho mỗi "
            "đơn vị hành chính cấp tỉnh giảm và 500 triệu đồng cho mỗi đơn vị hành chính cấp xã giảm.")
    rule = section_chunk("nq", "76/2025/UBTVQH15", "Nghị quyết", "Điều 15.", text)
    answerer = answerer_over(text)
    commune = answerer.answer(analyse("Mỗi đơn vị hành chính cấp xã giảm được hỗ trợ bao nhiêu tiền?"), [rule])
    assert "**500 triệu đồng**" in statement(commune.answer)
    district = answerer.answer(analyse("Mỗi đơn vị hành chính cấp huyện giảm được hỗ trợ bao nhiêu tiền?"), [rule])
    assert "**" not in statement(district.answer)


def test_when_is_answered_by_the_lead_in_that_dates_the_items_under_it_or_by_a_time_counted_from_an_event():
    text = ("2. Mục tiêu cụ thể\nĐến hết năm 2030:\n- Có 60% doanh nghiệp nhỏ và vừa ứng dụng công nghệ số.\n"
            "Đến hết năm 2045:\n- 100% doanh nghiệp nhỏ và vừa, hợp tác xã ứng dụng công nghệ số.")
    plan = section_chunk("kh", "617/KH-UBND", "Kế hoạch", "I › 2. Mục tiêu cụ thể", text)
    rule_text = ("Điều 8. Đăng ký dự tuyển lại\nSau 12 tháng, kể từ ngày quyết định kỷ luật buộc thôi việc có hiệu "
                 "lực, công chức bị kỷ luật buộc thôi việc được đăng ký dự tuyển vào cơ quan nhà nước.")
    rule = section_chunk("nd", "172/2025/NĐ-CP", "Nghị định", "Điều 8.", rule_text)
    answerer = answerer_over(text, rule_text)
    got = answerer.answer(analyse("Đến khi nào 100% doanh nghiệp nhỏ và vừa, hợp tác xã ứng dụng công nghệ số?"),
                          [plan])
    assert "**Đến hết năm 2045**" in statement(got.answer)
    got = answerer.answer(analyse("Công chức bị buộc thôi việc khi nào được đăng ký dự tuyển lại?"), [rule])
    assert "**Sau 12 tháng" in statement(got.answer)
