"""How a question is read: the short forms people type for provinces (which pick documents, not passages),
chat spellings, a follow-up that keeps the previous question's document and province, and the words a
negation puts out of scope."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from assistant.lexicon.gazetteer import find_places, find_provinces, normalise_chat, place_mentions
from assistant.qa.analyse import analyse, contextualise
from assistant.qa.answer.question import Asked, content_terms, denies, negated_only
from tests.corpus import answerer_over, section_chunk, statement


def test_short_forms_of_provinces_are_read_in_questions_only():
    assert find_places("thủ tục ở TP.HCM sau khi cắt giảm") == ["Hồ Chí Minh"]
    assert find_places("thu tuc o tphcm") == ["Hồ Chí Minh"]
    assert find_places("đoàn HN và HP") == ["Hà Nội", "Hải Phòng"]
    assert find_places("phải được bn điểm") == []  # lower-case "bn" is chat for "bao nhiêu", not Bắc Ninh
    assert find_provinces("đoàn HN") == []  # a document's own province is never read from a short form
    assert analyse("ở BN tới 2030 tỷ lệ dân có sổ sức khỏe điện tử đạt bao nhiêu?").provinces == ["Bắc Ninh"]


def test_chat_spellings_are_read_as_the_words_they_stand_for():
    assert normalise_chat("có đc hưởng thu nhập tăng thêm ko ạ") == "có được hưởng thu nhập tăng thêm không ạ"
    assert normalise_chat("ước thực hiện được nhiêu vậy") == "ước thực hiện được bao nhiêu vậy"
    assert normalise_chat("bao nhiêu") == "bao nhiêu"
    assert normalise_chat("V/v tuyên truyền; Sở KH&CN") == "V/v tuyên truyền; Sở KH&CN"
    got = analyse("lãnh đạo ở HP muốn xếp loại hoàn thành tốt nhiệm vụ thì phải được bn điểm?")
    assert got.intent == "target" and got.provinces == ["Hải Phòng"]
    assert analyse("co dc huong ko").no_diacritics  # accents restored from the corpus, as typed
    english = "Which agency leads the plan in HN, and how many services are online?"
    assert analyse(english).question == english and analyse(english).provinces == ["Hà Nội"]


def test_a_longer_follow_up_keeps_the_previous_document_and_province():
    got = contextualise("Còn báo cáo định kỳ thì Sở gửi những cơ quan nào?",
                        ["Sở Nội vụ Hà Tĩnh chịu sự chỉ đạo của những bộ nào?"])
    assert analyse(got).provinces == ["Hà Tĩnh"]
    got = contextualise("Cụ thể các chức năng đó gồm những gì?",
                        ["Thông báo 624/TB-VPCP định hướng VNeID với mấy chức năng chính?"])
    assert analyse(got).doc_numbers == ["624"]
    # a new question that names its own place, or does not point back, is left alone
    assert contextualise("Còn ở Lạng Sơn, ai chủ trì cải cách thể chế trong năm tới?", ["Kế hoạch 534 Quảng Ngãi"]) \
        == "Còn ở Lạng Sơn, ai chủ trì cải cách thể chế trong năm tới?"
    assert contextualise("Ai chủ trì cải cách tài chính công ở các tỉnh miền núi phía Bắc?",
                         ["Kế hoạch 534 Quảng Ngãi"]) == "Ai chủ trì cải cách tài chính công ở các tỉnh miền núi phía Bắc?"


def test_the_words_that_name_a_place_are_not_what_a_passage_must_say():
    assert place_mentions("Quyết định 2843 của UBND TP.HCM và HĐND TP Huế") == ["tp.hcm", "tp hue"]
    assert place_mentions("cán bộ sai phạm phải được bn điểm") == []  # "bn" is chat for "bao nhiêu"
    asked = analyse("Quyết định 2843 của Chủ tịch UBND TP.HCM thông qua bao nhiêu thủ tục hành chính?")
    terms = content_terms(asked)
    assert "tp" not in terms and "hcm" not in terms and "tthc" in terms
    assert not Asked.of(asked).anchors  # "HCM" is no index name a passage must carry
    # a document's number typed glued to its kind ("NQ78") names the document, as "78" alone would
    glued = analyse("NQ78 HN chi cho 1 báo cáo của Ban Chỉ đạo là bao nhiêu?")
    assert "nq78" not in content_terms(glued) and "hn" not in content_terms(glued)
    assert "nq78" not in Asked.of(glued).anchors


def test_a_negation_puts_the_words_after_it_out_of_scope():
    leaders = Asked.of(analyse("Lãnh đạo, quản lý muốn xếp loại hoàn thành tốt nhiệm vụ thì phải được bao nhiêu điểm?"))
    assert ("lanh", "dao") in leaders.affirmed_pairs
    assert negated_only(leaders.affirmed_pairs, "Điều 6. Công chức không giữ chức vụ lãnh đạo, quản lý")
    assert not negated_only(leaders.affirmed_pairs, "Điều 5. Công chức giữ chức vụ lãnh đạo, quản lý")
    assert not negated_only(leaders.affirmed_pairs,  # said once each way: the passage is about both
                            "Công chức giữ chức vụ lãnh đạo và công chức không giữ chức vụ lãnh đạo")
    # a bound on a quantity is no negation, and a clause ends the scope
    deadline = Asked.of(analyse("Thời hạn xử lý kỷ luật tối đa bao nhiêu ngày nếu vụ việc phức tạp?"))
    assert not negated_only(deadline.affirmed_pairs, "Thời hạn xử lý kỷ luật không quá 90 ngày; vụ việc phức tạp")
    # the answer to a yes/no question may be the negation itself
    assert not Asked.of(analyse("Công chức chưa đủ 6 tháng có được đánh giá, xếp loại không?")).affirmed_pairs


def test_the_rule_for_the_others_does_not_answer_a_question_about_leaders():
    text = ("Điều 5. Tiêu chí xếp loại chất lượng công chức giữ chức vụ lãnh đạo, quản lý\n"
            "2. Hoàn thành tốt nhiệm vụ: có tổng số điểm trên 80 điểm đến 90 điểm.\n"
            "Điều 6. Tiêu chí xếp loại chất lượng công chức không giữ chức vụ lãnh đạo, quản lý\n"
            "2. Hoàn thành tốt nhiệm vụ: có tổng số điểm từ 70 điểm đến 80 điểm.")
    lead, rest = text.split("Điều 6.")
    sections = [_rule("Điều 6. Tiêu chí xếp loại chất lượng công chức không giữ chức vụ lãnh đạo, quản lý",
                      "Điều 6." + rest, len(lead)),
                _rule("Điều 5. Tiêu chí xếp loại chất lượng công chức giữ chức vụ lãnh đạo, quản lý", lead, 0)]
    answerer = answerer_over(text)
    got = answerer.answer(analyse("Công chức lãnh đạo, quản lý muốn xếp loại hoàn thành tốt nhiệm vụ thì phải "
                                  "được bao nhiêu điểm?"), sections)
    assert "trên 80 điểm" in statement(got.answer)


@pytest.mark.parametrize(("question", "sentence", "denied"), [
    ("Kế hoạch có khuyến khích các cơ quan tự đầu tư xây dựng hệ thống thay vì đi thuê không?",
     "Khuyến khích cơ chế thuê, mua thay vì tự đầu tư - nhằm tăng hiệu quả.", True),
    ("Công chức bị kỷ luật hành chính trong năm đánh giá thì có được xếp loại từ hoàn thành nhiệm vụ trở lên không?",
     "Công chức bị kỷ luật hành chính trong năm đánh giá thì xếp loại ở mức không hoàn thành nhiệm vụ.", True),
    ("Nữ công chức đang nuôi con dưới 12 tháng tuổi có bị xem xét xử lý kỷ luật không, theo Nghị định 172?",
     "Công chức là nữ giới đang nuôi con dưới 12 tháng tuổi thì chưa xem xét xử lý kỷ luật.", True),
    # the predicate is said freely too: no "no"
    ("Sở Nội vụ có lo việc cấp giấy phép lao động cho người nước ngoài không?",
     "Xác nhận không thuộc diện cấp giấy phép lao động; cấp, cấp lại, gia hạn giấy phép lao động cho người "
     "lao động nước ngoài.", False),
    # a quantifier the text does not negate is not read as a "no" (nor as a "yes")
    ("Có phải mọi công chức cấp xã đều phải có trình độ đại học không?",
     "100% công chức cấp xã có trình độ từ trung cấp trở lên, trong đó 90% có trình độ đại học.", False),
    # the question negates its own predicate: the text's "không" is not its answer
    ("Văn bản không kết luận cụ thể thì có bị coi là không thống nhất không?",
     "Trường hợp văn bản không kết luận cụ thể thì xem như thống nhất.", False),
])
def test_a_yes_no_question_is_answered_no_only_when_the_text_negates_what_it_asks(
        question: str, sentence: str, denied: bool):
    assert denies(analyse(question), sentence) is denied


def test_the_answer_says_no_before_the_passage_that_negates_the_question():
    text = "Điều 4. Nguyên tắc\nCông chức có thời gian công tác trong năm chưa đủ 06 tháng thì không thực hiện việc " \
           "đánh giá, xếp loại chất lượng."
    answerer = answerer_over(text)
    got = answerer.answer(analyse("Công chức công tác chưa đủ 6 tháng có được đánh giá, xếp loại chất lượng không?"),
                          [_rule("Điều 4. Nguyên tắc", text, 0)])
    assert got.answer.startswith("**Không.** Theo")
    yes = answerer.answer(analyse("Công chức có được đánh giá, xếp loại chất lượng hằng năm không?"),
                          [_rule("Điều 4. Nguyên tắc", text.replace("thì không thực hiện", "thì thực hiện"), 0)])
    assert "Không" not in statement(yes.answer)


def _rule(section: str, text: str, start: int) -> Document:
    return section_chunk("qd", "212/2025/QĐ-UBND", "Quyết định", section, text, start)
