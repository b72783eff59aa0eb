"""Pure parts of retrieval and fact extraction: RRF, lexical tokens, diacritic restoration, and the typed
facts (agencies, roles, targets, times, definitions, people) read from plan sentences."""

from __future__ import annotations

import pytest

from assistant.lexicon import facts as extract
from assistant.qa.retrieve import DiacriticRestorer, lexical_tokens, query_tokens, rrf

# ---------------------------------------------------------------------------------------------
# Reciprocal rank fusion


def test_rrf_scores_are_sums_of_reciprocal_ranks():
    scores = rrf([["a", "b", "c"], ["b", "d"]], k=60)
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["c"] == pytest.approx(1 / 63)
    assert scores["d"] == pytest.approx(1 / 62)
    assert set(scores) == {"a", "b", "c", "d"}


def test_rrf_item_in_both_lists_beats_items_in_one():
    dense = [f"d{i}" for i in range(30)] + ["both"]  # last in one list …
    lexical = [f"l{i}" for i in range(30)] + ["both"]  # … and last in the other
    scores = rrf([dense, lexical])
    best_single = max(v for key, v in scores.items() if key != "both")
    assert scores["both"] > best_single == pytest.approx(1 / 61)
    assert max(scores, key=scores.get) == "both"


def test_rrf_k_and_edge_cases():
    assert rrf([]) == {} and rrf([[], []]) == {}
    assert rrf([["x"]], k=0)["x"] == pytest.approx(1.0)
    # a smaller k favours the top ranks more
    low, high = rrf([["a", "b"]], k=1), rrf([["a", "b"]], k=100)
    assert low["a"] / low["b"] > high["a"] / high["b"]


# ---------------------------------------------------------------------------------------------
# Lexical tokens


def test_lexical_tokens_syllables_folded_forms_and_pairs():
    tokens = lexical_tokens("Sở Tài chính chủ trì")
    assert tokens[:5] == ["sở", "tài", "chính", "chủ", "trì"]  # accented syllables
    for folded in ["so", "tai", "chinh", "chu", "tri"]:
        assert folded in tokens  # diacritic-free forms
    for pair in ["so_tai", "tai_chinh", "chinh_chu", "chu_tri"]:
        assert pair in tokens  # adjacent pairs, folded
    assert len(tokens) == 5 + 5 + 4


def test_lexical_tokens_do_not_duplicate_ascii_syllables():
    tokens = lexical_tokens("PAR INDEX 2025")
    assert tokens == ["par", "index", "2025", "par_index", "index_2025"]


def test_question_without_accents_meets_accented_text():
    text_tokens = set(lexical_tokens("Sở Tài chính chủ trì cải cách tài chính công"))
    question = query_tokens("ai chu tri cai cach tai chinh cong")
    assert {"chu_tri", "tai_chinh", "chinh_cong", "cai_cach"} <= set(question) & text_tokens
    assert "ai" not in question  # a question word carries no topic


def test_query_tokens_drop_question_words_but_keep_topic():
    tokens = query_tokens("Ai chủ trì cải cách tài chính công ở Lạng Sơn?")
    assert "ai" not in tokens and "ở" not in tokens
    assert {"chủ", "trì", "lạng", "sơn", "lang", "son", "tai_chinh"} <= set(tokens)


# ---------------------------------------------------------------------------------------------
# Diacritic restoration


CORPUS = [
    "Sở Tài chính chủ trì thực hiện cải cách tài chính công.",
    "Đẩy mạnh cải cách tài chính công, tự chủ tài chính của đơn vị sự nghiệp công lập.",
    "Ủy ban nhân dân tỉnh Lạng Sơn ban hành kế hoạch.",
]


def test_diacritic_restorer_restores_phrases_from_the_corpus():
    restorer = DiacriticRestorer(CORPUS)
    assert restorer.restore("tai chinh cong") == "tài chính công"
    assert restorer.restore("ai chu tri cai cach tai chinh cong o Lang Son?") == \
        "ai chủ trì cải cách tài chính công o Lạng Sơn?"
    assert restorer.restore("So Tai chinh") == "Sở Tài chính"  # case kept
    assert restorer.restore("UY BAN") == "ỦY BAN"


def test_diacritic_restorer_keeps_unknown_words_and_punctuation():
    restorer = DiacriticRestorer(CORPUS)
    assert restorer.restore("xyz, 2025; abc?") == "xyz, 2025; abc?"
    assert restorer.restore("") == ""
    assert DiacriticRestorer([]).restore("tai chinh") == "tai chinh"


def test_diacritic_restorer_prefers_the_most_frequent_form():
    restorer = DiacriticRestorer(["công chức công chức công chức", "cong chuc"])
    assert restorer.restore("cong chuc") == "công chức"


# ---------------------------------------------------------------------------------------------
# Agencies and roles


def texts(found: list[extract.Found]) -> list[str]:
    return [f.text for f in found]


def test_agencies_are_found_with_offsets():
    sentence = "Sở Tài chính chủ trì, phối hợp với Sở Nội vụ và UBND các huyện, thành phố triển khai cơ chế tự chủ."
    found = extract.agencies(sentence)
    assert texts(found) == ["Sở Tài chính", "Sở Nội vụ", "UBND các huyện, thành phố"]
    assert all(sentence[f.start:f.end] == f.text for f in found)


@pytest.mark.parametrize("sentence, agency", [
    ("Văn phòng Ủy ban nhân dân tỉnh chủ trì triển khai.", "Văn phòng Ủy ban nhân dân tỉnh"),
    ("Sở Thông tin và Truyền thông chủ trì.", "Sở Thông tin và Truyền thông"),
    ("Sở Kế hoạch và Đầu tư tham mưu.", "Sở Kế hoạch và Đầu tư"),
    ("Ban Chỉ đạo CCHC tỉnh chỉ đạo.", "Ban Chỉ đạo CCHC tỉnh"),
    ("Trung tâm Phục vụ hành chính công tỉnh tiếp nhận hồ sơ.", "Trung tâm Phục vụ hành chính công tỉnh"),
    ("Thanh tra tỉnh kiểm tra.", "Thanh tra tỉnh"),
    ("Bộ Nội vụ hướng dẫn.", "Bộ Nội vụ"),
])
def test_agency_names(sentence: str, agency: str):
    assert agency in texts(extract.agencies(sentence))


def test_proper_names_end_at_the_first_lower_case_word():
    assert texts(extract.agencies("Đề nghị Trường Chính trị Hoàng Văn Thụ và các Trung tâm")) == [
        "Trường Chính trị Hoàng Văn Thụ"]
    assert texts(extract.agencies("Báo Lạng Sơn đưa tin.")) == ["Báo Lạng Sơn"]
    assert texts(extract.agencies("Báo cáo UBND tỉnh trước ngày 15/12.")) == ["UBND tỉnh"]  # "báo cáo" is a verb


def test_agency_before_role():
    assert extract.agency_before_role("Sở Tài chính chủ trì, phối hợp với Sở Nội vụ triển khai.").text == "Sở Tài chính"
    assert extract.agency_before_role("Giao Sở Nội vụ chủ trì, phối hợp với Văn phòng UBND tỉnh.").text == "Sở Nội vụ"
    assert extract.agency_before_role("Hằng năm, do Sở Tư pháp chủ trì rà soát văn bản.").text == "Sở Tư pháp"
    found = extract.agency_before_role("Chủ trì: Sở Thông tin và Truyền thông; phối hợp: các sở, ban, ngành.")
    assert found is not None and found.text == "Sở Thông tin và Truyền thông"
    assert extract.agency_before_role("Không có cơ quan nào ở đây chủ trì.") is None
    assert extract.agency_before_role("Sở Y tế triển khai kế hoạch.") is None  # no role
    sentence = "Trên cơ sở dự toán được giao, Sở Tài chính chủ trì thẩm định kinh phí."
    found = extract.agency_before_role(sentence)
    assert found is not None and found.text == "Sở Tài chính" and sentence[found.start:found.end] == found.text


def test_roles():
    assert texts(extract.roles("Sở Nội vụ là cơ quan thường trực, chủ trì và phối hợp; tham mưu UBND tỉnh.")) == \
        ["thường trực", "chủ trì", "phối hợp", "tham mưu"]


# ---------------------------------------------------------------------------------------------
# Targets, times, dates, money


def test_targets_keep_their_qualifiers():
    sentence = ("Phấn đấu đến năm 2025, tỷ lệ hồ sơ giải quyết trực tuyến đạt tối thiểu 80%; Chỉ số PAR INDEX "
                "xếp thứ hạng từ 25 - 30/63 tỉnh; mức độ hài lòng đạt trên 90%.")
    found = texts(extract.targets(sentence))
    assert found == ["đạt tối thiểu 80%", "xếp thứ hạng từ 25 - 30/63", "đạt trên 90%"]


@pytest.mark.parametrize("sentence, expected", [
    ("100% thủ tục hành chính đủ điều kiện được cung cấp trực tuyến.", ["100%"]),
    ("Cắt giảm ít nhất 20% thủ tục hành chính.", ["ít nhất 20%"]),
    ("Giảm 20 thủ tục so với năm trước.", ["Giảm 20 thủ tục"]),
    ("Đề ra 07 nhóm nhiệm vụ cụ thể.", ["07 nhóm"]),
    ("Chỉ số PAPI nằm trong nhóm khá.", ["nhóm khá"]),
    ("Kinh phí 1.500 triệu đồng.", ["1.500 triệu đồng"]),
])
def test_target_forms(sentence: str, expected: list[str]):
    assert texts(extract.targets(sentence)) == expected


@pytest.mark.parametrize("sentence", [
    "Nghị quyết số 93/NQ-HĐND ngày 08/12/2021 của HĐND tỉnh.",
    "Quyết định số 534/QĐ-UBND ngày 20/4/2022.",
    "Căn cứ Nghị định 107/2020/NĐ-CP.",
    "giai đoạn 2021-2025",
])
def test_dates_and_document_numbers_are_not_targets(sentence: str):
    assert extract.targets(sentence) == []


def test_times():
    sentence = ("Hoàn thành trước năm 2025, hằng năm báo cáo; giai đoạn 2021-2025; định hướng đến năm 2030; "
                "trước ngày 15/12/2024.")
    assert texts(extract.times(sentence)) == ["trước năm 2025", "hằng năm", "giai đoạn 2021-2025",
                                              "định hướng đến năm 2030", "trước ngày 15/12/2024"]
    assert "thường xuyên" in texts(extract.times("Thực hiện thường xuyên."))
    assert extract.times("Sở Nội vụ chủ trì.") == []


def test_dates_and_money():
    assert texts(extract.dates("ngày 08/12/2021 và ngày 20 tháng 4 năm 2022, có hiệu lực kể từ ngày ký")) == \
        ["ngày 08/12/2021", "ngày 20 tháng 4 năm 2022", "kể từ ngày ký"]
    # a day of every year: the deadline of a yearly report or review names no year
    assert texts(extract.dates("tiến hành trước ngày 15 tháng 12 hàng năm; báo cáo trước ngày 20/11 hằng năm")) == \
        ["ngày 15 tháng 12 hàng năm", "ngày 20/11 hằng năm"]
    assert texts(extract.dates("ngày 15 tháng 12 năm 2025 hằng năm")) == ["ngày 15 tháng 12 năm 2025"]
    assert extract.dates("trong 15 ngày hằng năm") == []
    assert texts(extract.money("bố trí 1.500 triệu đồng và 2 tỷ đồng")) == ["1.500 triệu đồng", "2 tỷ đồng"]


# ---------------------------------------------------------------------------------------------
# Definitions and people


PAR_PAPI = ("Kế hoạch nâng cao Chỉ số cải cách hành chính (PAR INDEX), Chỉ số hiệu quả quản trị và hành chính "
            "công (PAPI) cấp tỉnh giai đoạn 2022 - 2025")


@pytest.mark.parametrize("term, phrase", [
    ("PAPI", "Chỉ số hiệu quả quản trị và hành chính công"),
    ("PAR INDEX", "Chỉ số cải cách hành chính"),
    ("par index", "Chỉ số cải cách hành chính"),
])
def test_definition_of_abbreviation(term: str, phrase: str):
    found = extract.definition_of(term, PAR_PAPI)
    assert found is not None and found.text == phrase
    assert PAR_PAPI[found.start:found.end] == phrase


def test_definition_of_other_forms():
    found = extract.definition_of("SIPAS", "Chỉ số hài lòng về sự phục vụ hành chính (SIPAS) đạt trên 85%.")
    assert found is not None and found.text == "Chỉ số hài lòng về sự phục vụ hành chính"
    upper = extract.definition_of("PCI", "NÂNG CAO CHỈ SỐ NĂNG LỰC CẠNH TRANH CẤP TỈNH (PCI)")
    assert upper is not None and upper.text == "Chỉ số năng lực cạnh tranh cấp tỉnh"
    assert extract.definition_of("XYZ", PAR_PAPI) is None
    assert extract.definition_of("PAPI", "Chỉ số PAPI của tỉnh tăng 5 bậc.") is None  # used, not defined


def test_people():
    found = texts(extract.people("Người ký Trần Tiến Dũng; CHỦ TỊCH Đặng Văn Minh; Văn phòng UBND tỉnh; Hà Nội."))
    assert found == ["Trần Tiến Dũng", "Đặng Văn Minh"]
    assert extract.people("Sở Nội vụ chủ trì, phối hợp với Văn phòng UBND tỉnh.") == []


def test_the_first_passages_of_each_ranker_survive_the_fusion():
    from assistant.qa.retrieve import _with_heads

    fused = ["a", "b", "c", "d", "e", "f", "g", "h"]
    # both rankers' heads already in the fused top five: nothing moves
    assert _with_heads(fused, [["a", "c"], ["b", "d"]], 6, 2) == fused[:6]
    # BM25 puts "g" first, the dense ranking far below: it takes the fifth place, the rest keeps its order
    assert _with_heads(fused, [["a", "b"], ["g", "a"]], 6, 2) == ["a", "b", "c", "d", "g", "e"]
    # never more than three of the first five are moved in, and k is kept
    got = _with_heads(fused, [["h", "g"], ["f", "e"]], 10, 2)
    assert got[:2] == ["a", "b"] and len(got) == len(set(got)) == 8
    assert _with_heads(fused, [["h"], []], 3, 1) == ["a", "b", "h"]
