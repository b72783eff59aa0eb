"""How a question is read before retrieval: the short forms people type for provinces, chat spellings,
and a follow-up that keeps the previous question's document and province."""

from __future__ import annotations

from assistant.lexicon.gazetteer import find_places, find_provinces, normalise_chat
from assistant.qa.analyse import analyse, contextualise


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
