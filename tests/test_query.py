"""Query understanding (provinces, document numbers, intent, language, abbreviations, follow-ups) and the
Vietnamese text helpers it rests on. All pure functions: fast and exact."""

from __future__ import annotations

import unicodedata

import pytest

from assistant.lexicon.gazetteer import (
    ABBREVIATIONS,
    PROVINCES,
    canonical_province,
    canonical_terms,
    find_provinces,
)
from assistant.lexicon.text import (
    fold,
    has_diacritics,
    nfc,
    split_sentences,
    squash,
    strip_diacritics,
    syllables,
)
from assistant.qa.analyse import (
    analyse,
    contextualise,
    detect_intent,
    detect_roles,
    doc_numbers,
    expand_abbreviations,
    is_english,
    translate_terms,
)

# ---------------------------------------------------------------------------------------------
# Provinces


@pytest.mark.parametrize("question", [
    "Ai chủ trì cải cách tài chính công ở Lạng Sơn?",
    "ai chu tri cai cach tai chinh cong o lang son",
    "LẠNG SƠN CÓ KẾ HOẠCH CCHC KHÔNG?",
    "LANG SON",
    "Who leads public finance reform in Lang Son?",
    unicodedata.normalize("NFD", "Kế hoạch của tỉnh Lạng Sơn"),
    "tỉnh  Lạng\u00a0Sơn",
])
def test_province_lang_son(question: str):
    assert analyse(question).provinces == ["Lạng Sơn"]


@pytest.mark.parametrize("text, expected", [
    ("Quảng Ngãi và Lai Châu", ["Quảng Ngãi", "Lai Châu"]),
    ("quang ngai, lai chau, tuyen quang", ["Quảng Ngãi", "Lai Châu", "Tuyên Quang"]),
    ("Sơn La và Lạng Sơn", ["Sơn La", "Lạng Sơn"]),  # overlapping names are told apart
    ("Quảng Nam Quảng Ngãi Quảng Ninh", ["Quảng Nam", "Quảng Ngãi", "Quảng Ninh"]),
    ("dak lak", ["Đắk Lắk"]),
    ("Bà Rịa - Vũng Tàu và ba ria vung tau", ["Bà Rịa - Vũng Tàu"]),
    ("Thừa Thiên Huế", ["Thừa Thiên Huế"]),
    ("kế hoạch cải cách hành chính", []),
    ("Langson", []),  # whole words only
])
def test_find_provinces(text: str, expected: list[str]):
    assert find_provinces(text) == expected


def test_canonical_province():
    assert canonical_province("lang son") == "Lạng Sơn"
    assert canonical_province("ĐỒNG NAI") == "Đồng Nai"
    assert canonical_province("Atlantis") is None
    assert all(canonical_province(p) == p for p in PROVINCES if p not in {"Huế"})


# ---------------------------------------------------------------------------------------------
# Document numbers and years


@pytest.mark.parametrize("question, numbers", [
    ("kế hoạch 249 nói gì về cải cách thể chế", ["249"]),
    ("Quyết định 534 có mục tiêu gì", ["534"]),
    ("534/QĐ-UBND quy định gì", ["534"]),
    ("Kế hoạch số 2943/KH-UBND của Lai Châu", ["2943"]),
    ("ke hoach so 4912", ["4912"]),
    ("Nghị định 170/2025/NĐ-CP", ["170"]),
    ("What does plan No. 249 say?", ["249"]),
    ("so sánh kế hoạch 249 và quyết định 534", ["249", "534"]),
    ("Kế hoạch năm 2021 của Lạng Sơn", []),
    ("giai đoạn 2021-2025 có mục tiêu gì", []),
    ("Kế hoạch 2025", []),
    ("đến năm 2030 đạt 80%", []),
])
def test_doc_numbers_but_not_years(question: str, numbers: list[str]):
    assert doc_numbers(question) == numbers
    assert analyse(question).doc_numbers == numbers


def test_years_are_collected_separately():
    assert analyse("Kế hoạch năm 2021 của Lạng Sơn").years == [2021]
    assert analyse("giai đoạn 2021-2025").years == [2021, 2025]
    assert analyse("Quyết định 534").years == []


# ---------------------------------------------------------------------------------------------
# Intent


INTENT_CASES = {
    "who_leads": [
        "Ai chủ trì cải cách tài chính công ở Lạng Sơn?",
        "ai chu tri cai cach tai chinh cong o lang son",
        "Cơ quan nào chịu trách nhiệm cải cách thể chế?",
        "Sở nào phụ trách chuyển đổi số?",
        "don vi nao thuong truc ve CCHC",
        "Việc rà soát văn bản do ai thực hiện?",
        "Who leads public finance reform in Lạng Sơn?",
        "Which agency is in charge of administrative procedures in Quảng Ngãi?",
        "Who is responsible for the one-stop shop?",
    ],
    "target": [
        "Chỉ tiêu tỷ lệ hồ sơ trực tuyến là bao nhiêu?",
        "Mục tiêu xếp hạng PAR INDEX của Quảng Ngãi?",
        "Quảng Ngãi đặt mục tiêu bao nhiêu phần trăm?",
        "Quang Ngai phan dau xep hang thu may?",
        "ty le ho so giai quyet dung han dat bao nhieu",
        "What is the target for online public services in Lai Châu?",
        "How many percent of records must be processed online?",
        "What share of procedures must be online by 2025?",
    ],
    "deadline": [
        "Khi nào hoàn thành số hóa hồ sơ?",
        "Thời hạn hoàn thành là năm nào?",
        "Bao giờ phải báo cáo kết quả?",
        "han chot nop bao cao la khi nao",
        "When must Lạng Sơn finish digitising records?",
        "By what year should the one-stop shop be online? What is the deadline?",
    ],
    "list": [
        "Kế hoạch gồm những nhóm nhiệm vụ nào?",
        "Liệt kê các nhiệm vụ trọng tâm của Bình Thuận",
        "Bình Thuận đề ra những giải pháp gì?",
        "cac nhom nhiem vu cua ke hoach gom nhung gi",
        "What are the task groups in the Binh Thuan plan?",
        "List the tasks of the Department of Home Affairs",
    ],
    "comparison": [
        "So sánh mục tiêu của Lạng Sơn và Quảng Ngãi",
        "Lạng Sơn và Quảng Ngãi khác nhau thế nào?",
        "so sanh ke hoach cua lang son va lai chau",
        "Tỉnh nào có chỉ tiêu cao hơn?",
        "Compare the targets of Lang Son and Quang Ngai",
        "How do Lạng Sơn and Quảng Ngãi differ?",
    ],
    "definition": [
        "PAPI là gì?",
        "SIPAS là viết tắt của gì?",
        "Chỉ số PAR INDEX được hiểu là gì?",
        "PAPI la gi?",
        "sipas la viet tat cua gi",
        "What does PAPI stand for?",
        "What is SIPAS?",
    ],
    "yes_no": [
        "Lạng Sơn có giao Sở Tài chính chủ trì không?",
        "Kế hoạch có áp dụng cho cấp xã không?",
        "Sở Nội vụ có phải cơ quan thường trực không?",
        "co phai so noi vu la co quan thuong truc khong",
        "Lạng Sơn đã hoàn thành chưa?",
        "Does the Quang Ngai plan include PAPI?",
        "Is the Department of Home Affairs the standing agency?",
    ],
}


@pytest.mark.parametrize("intent, question", [(i, q) for i, qs in INTENT_CASES.items() for q in qs])
def test_intent(intent: str, question: str):
    assert detect_intent(question) == intent
    assert analyse(question).intent == intent


@pytest.mark.parametrize("question", ["sipas la gi", "par index la gi", "chi so papi la gi"])
def test_lower_case_definition_questions(question: str):
    assert detect_intent(question) == "definition"


@pytest.mark.parametrize("intent, question", [
    # an English question that opens by asking when: the "who" further on is a relative pronoun
    ("deadline", "Under Decree 172/2025, when can a civil servant who was dismissed register again for recruitment?"),
    ("deadline", "When must the units that failed report to the People's Committee?"),
    # the abbreviation in a document's number is no term to define
    ("target", "Under Huế City Resolution 34/2025/NQ-HĐND, what is the local counterpart funding ratio for Xã Phú Vinh?"),
    ("definition", "Theo Kế hoạch 12/KH-UBND, PAPI là gì?"),
    # a quoted term asked about by the other ways of asking what a word means
    ("definition", 'Theo Quy chế của Bắc Ninh, thế nào được gọi là "phản ánh hiện trường"?'),
    ("definition", "Nghị định 172 hiểu thế nào là 'tái phạm' khi xử lý kỷ luật?"),
    ("definition", 'Kế hoạch của Bắc Ninh giải thích "chuyển đổi AI" là gì?'),  # "AI" is part of the term
    ("general", "Ứng dụng AI là gì?"),
    ("general", "Công chức như thế nào là hoàn thành tốt nhiệm vụ?"),  # no term: what it takes, not a word
])
def test_what_english_and_numbered_questions_ask(intent: str, question: str):
    assert detect_intent(question) == intent


def test_two_provinces_make_a_comparison_with_a_sub_intent():
    a = analyse("Mục tiêu của Lạng Sơn và Quảng Ngãi?")
    assert a.intent == "comparison" and a.provinces == ["Lạng Sơn", "Quảng Ngãi"]
    assert analyse("So sánh mục tiêu của Lạng Sơn và Quảng Ngãi").sub_intent == "target"
    assert analyse("So sánh cơ quan chủ trì của Lạng Sơn và Quảng Ngãi").sub_intent == "who_leads"
    assert analyse("Ai chủ trì ở Lạng Sơn?").sub_intent == "who_leads"  # non-comparisons: sub_intent = intent


def test_roles():
    assert detect_roles("Ai chủ trì, phối hợp thực hiện?") == ["chủ trì", "phối hợp"]
    assert detect_roles("co quan thuong truc va tham muu") == ["thường trực", "tham mưu"]
    assert detect_roles("Who leads and who coordinates?") == ["chủ trì", "phối hợp"]
    assert detect_roles("Mục tiêu là gì?") == []


# ---------------------------------------------------------------------------------------------
# Language


@pytest.mark.parametrize("question", [
    "Who leads public finance reform in Lạng Sơn?",
    "What is the target for online public services in Lai Châu?",
    "Which agency is in charge of administrative procedures in Quảng Ngãi?",
    "What are the task groups in the Binh Thuan plan?",
    "Compare the targets of Lang Son and Quang Ngai",
])
def test_english_questions(question: str):
    a = analyse(question)
    assert a.english and is_english(question)
    assert not a.no_diacritics
    assert a.expansions, "English questions get Vietnamese glossary terms"


@pytest.mark.parametrize("question", [
    "Ai chủ trì cải cách tài chính công ở Lạng Sơn?",
    "ai chu tri cai cach tai chinh cong o lang son",
    "Mục tiêu PAR INDEX của tỉnh là gì?",
    "CCHC",
    "Sở Tài chính",
])
def test_vietnamese_questions_are_not_english(question: str):
    assert not is_english(question)
    assert not analyse(question).english


@pytest.mark.parametrize("question", [
    "When must Lạng Sơn finish digitising records?",
    "Is Sở Nội vụ the standing agency?",
])
def test_english_questions_with_vietnamese_names(question: str):
    assert analyse(question).english


def test_no_diacritics_flag():
    assert analyse("ai chu tri cai cach tai chinh cong o lang son").no_diacritics
    assert not analyse("Ai chủ trì cải cách tài chính công?").no_diacritics
    assert not analyse("2025").no_diacritics  # nothing to restore


def test_translate_terms():
    terms = translate_terms("Who leads public finance reform in Lạng Sơn?")
    assert "tài chính công" in terms and "chủ trì" in terms
    assert "tài chính" not in terms  # the longer pattern consumed it
    assert "thủ tục hành chính" in translate_terms("administrative procedures")
    assert translate_terms("xin chào") == []


# ---------------------------------------------------------------------------------------------
# Abbreviations, both ways


@pytest.mark.parametrize("abbr, long", [
    ("CCHC", "cải cách hành chính"),
    ("TTHC", "thủ tục hành chính"),
    ("UBND", "Ủy ban nhân dân"),
    ("HĐND", "Hội đồng nhân dân"),
    ("CBCCVC", "cán bộ, công chức, viên chức"),
    ("VBQPPL", "văn bản quy phạm pháp luật"),
    ("ĐVSNCL", "đơn vị sự nghiệp công lập"),
    ("PAR INDEX", "Chỉ số cải cách hành chính"),
    ("SIPAS", "Chỉ số hài lòng về sự phục vụ hành chính"),
    ("PAPI", "Chỉ số hiệu quả quản trị và hành chính công"),
    ("PCI", "Chỉ số năng lực cạnh tranh cấp tỉnh"),
])
def test_abbreviation_expansion_both_ways(abbr: str, long: str):
    assert long in expand_abbreviations(f"Kế hoạch về {abbr} của tỉnh")
    assert long in expand_abbreviations(f"ke hoach ve {fold(abbr)}")  # typed lower case, no accents
    assert abbr in expand_abbreviations(f"Kế hoạch về {long} của tỉnh")
    assert abbr in expand_abbreviations(strip_diacritics(long).lower())
    assert long in ABBREVIATIONS[abbr]
    # the canonical (folded) form of either spelling is the same
    assert canonical_terms(fold(long)) == fold(abbr)


def test_expansions_are_unique_and_in_analysis():
    exp = expand_abbreviations("CCHC và cải cách hành chính, CCHC")
    assert len(exp) == len(set(exp))
    assert "cải cách hành chính" in analyse("Kế hoạch CCHC của Lạng Sơn").expansions
    assert "CCHC" in analyse("Kế hoạch cải cách hành chính của Lạng Sơn").expansions
    assert expand_abbreviations("Sở Tài chính chủ trì") == []
    assert expand_abbreviations("PCIe và SIPASX") == []  # whole words only


def test_canonical_terms():
    text = fold("Kế hoạch cải cách hành chính và thủ tục hành chính của Ủy ban nhân dân tỉnh")
    assert canonical_terms(text) == "ke hoach cchc va tthc cua ubnd tinh"
    assert canonical_terms(fold("cán bộ công chức viên chức")) == "cbccvc"  # commas optional
    assert canonical_terms(fold("Chỉ số cải cách hành chính")) == "par index"  # longest form first
    assert canonical_terms("khong co gi") == "khong co gi"


# ---------------------------------------------------------------------------------------------
# Follow-up questions


PREVIOUS = "Ai chủ trì cải cách tài chính công ở Lạng Sơn?"


@pytest.mark.parametrize("follow_up", [
    "còn Quảng Ngãi thì sao?",
    "Còn Quảng Ngãi?",
    "con quang ngai thi sao",
    "Quảng Ngãi thì sao?",
    "What about Quang Ngai?",
    "Thế còn Quảng Ngãi?",
])
def test_contextualise_swaps_the_province(follow_up: str):
    rewritten = contextualise(follow_up, [PREVIOUS])
    assert rewritten == "Ai chủ trì cải cách tài chính công ở Quảng Ngãi?"
    assert analyse(rewritten).provinces == ["Quảng Ngãi"]
    assert analyse(rewritten).intent == "who_leads"


def test_contextualise_uses_the_last_question():
    history = ["Mục tiêu của Lai Châu là gì?", PREVIOUS]
    assert contextualise("còn Quảng Ngãi thì sao?", history) == "Ai chủ trì cải cách tài chính công ở Quảng Ngãi?"


def test_contextualise_without_a_place_in_the_previous_question():
    assert contextualise("còn Quảng Ngãi thì sao?", ["Ai chủ trì cải cách tài chính công?"]) == \
        "Ai chủ trì cải cách tài chính công ở Quảng Ngãi?"


def test_contextualise_follow_up_without_a_place_keeps_the_previous_place():
    rewritten = contextualise("thế còn thời hạn thì sao?", [PREVIOUS])
    assert rewritten.startswith("Ai chủ trì cải cách tài chính công ở Lạng Sơn")
    assert "thời hạn" in rewritten
    assert analyse(rewritten).provinces == ["Lạng Sơn"]


@pytest.mark.parametrize("question", [
    "Mục tiêu xếp hạng PAR INDEX của Quảng Ngãi đến năm 2025 là bao nhiêu?",
    "Kế hoạch cải cách hành chính của Lai Châu gồm những nội dung gì?",
    "Who leads public finance reform in Quảng Ngãi?",
])
def test_contextualise_leaves_full_questions_alone(question: str):
    assert contextualise(question, [PREVIOUS]) == question


def test_contextualise_without_history():
    assert contextualise("còn Quảng Ngãi thì sao?", None) == "còn Quảng Ngãi thì sao?"
    assert contextualise("  còn Quảng Ngãi thì sao?  ", []) == "còn Quảng Ngãi thì sao?"


# ---------------------------------------------------------------------------------------------
# vntext and gazetteer helpers


def test_fold_and_strip_diacritics():
    assert strip_diacritics("Sở Tài chính") == "So Tai chinh"
    assert strip_diacritics("Đắk Lắk đường") == "Dak Lak duong"
    assert fold("Sở Tài chính ĐẮK LẮK") == "so tai chinh dak lak"
    assert fold(unicodedata.normalize("NFD", "Quảng Ngãi")) == "quang ngai"
    assert fold("abc 123") == "abc 123"
    # every Vietnamese letter folds to ASCII
    letters = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    assert fold(letters).isascii() and fold(letters.upper()).isascii()
    assert has_diacritics("ạ") and not has_diacritics("a b c")


def test_nfc_and_squash():
    decomposed = unicodedata.normalize("NFD", "Lạng Sơn")
    assert nfc(decomposed) == "Lạng Sơn"
    assert nfc("a\u200bb\ufeffc\u00ad") == "abc"
    assert nfc("a\u00a0b\u2003c\u202fd") == "a b c d"
    assert squash(" a |  b\n c\t") == "a b c"


def test_syllables():
    assert syllables("Cải cách HÀNH CHÍNH, 2021-2025") == ["cải", "cách", "hành", "chính", "2021", "2025"]
    assert syllables(unicodedata.normalize("NFD", "Lạng Sơn")) == ["lạng", "sơn"]


def test_split_sentences():
    text = "Câu một. Câu hai! Câu ba? Con số 3.5 và 25 - 30/63 giữ nguyên. Tiếp: - mục một; - mục hai"
    parts = split_sentences(text)
    assert parts == ["Câu một.", "Câu hai!", "Câu ba?", "Con số 3.5 và 25 - 30/63 giữ nguyên.", "Tiếp:",
                     "- mục một; - mục hai"]
    assert " ".join(parts) == text  # nothing lost
    assert split_sentences("Đến năm 2025. Đạt 80%.") == ["Đến năm 2025.", "Đạt 80%."]  # capital Đ starts one
    assert split_sentences("không có dấu chấm") == ["không có dấu chấm"]
    assert split_sentences("") == [""]


def test_the_year_of_a_document_number_is_not_a_target_year() -> None:
    assert analyse("Theo Nghị định 170/2025, thời hạn nhận Phiếu là bao lâu?").years == []
    assert analyse("Nghị định 25/2025/NĐ-CP quy định gì?").years == []
    assert analyse("Giai đoạn 2021-2025 đạt bao nhiêu?").years == [2021, 2025]
    assert analyse("Đến năm 2030 đạt bao nhiêu?").years == [2030]


def test_ai_in_capitals_is_artificial_intelligence_not_who() -> None:
    assert analyse("Quyết định 2629 đặt mục tiêu gì về ứng dụng AI đến 2030?").intent != "who_leads"
    assert analyse("ai chủ trì cải cách thể chế?").intent == "who_leads"


def test_how_long_is_a_deadline_question() -> None:
    assert analyse("Thời hạn nhận hồ sơ là bao lâu?").intent == "deadline"
    assert analyse("Luân chuyển ít nhất mấy năm?").intent == "deadline"
