"""The typed fact extractors on sentences of the 2025 layouts (decrees, directives, national programmes)."""

from __future__ import annotations

import pytest

from assistant.lexicon import facts as extract


@pytest.mark.parametrize(("text", "expected"), [
    ("Thời hạn nhận Phiếu đăng ký dự tuyển là 30 ngày kể từ ngày thông báo công khai.",
     ["30 ngày kể từ ngày thông báo công khai"]),
    ("Thời gian luân chuyển ít nhất 3 năm (36 tháng) đối với một lần luân chuyển.", ["ít nhất 3 năm (36 tháng)"]),
    ("Trước 03 tháng tính đến thời điểm nghỉ hưu, người có thẩm quyền ra thông báo.",
     ["Trước 03 tháng tính đến thời điểm nghỉ hưu"]),
    ("Nghị định này có hiệu lực thi hành từ ngày 01 tháng 3 năm 2025.", []),  # a date, not a duration
    ("Hoàn thành trong năm 2025.", []),
])
def test_durations(text: str, expected: list[str]) -> None:
    assert [f.text for f in extract.durations(text)] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Tổng giá trị giao dịch thanh toán không dùng tiền mặt gấp 30 lần GRDP.", ["gấp 30 lần GRDP"]),
    ("100% cơ quan, tổ chức sử dụng ít nhất 01 ứng dụng AI để phục vụ công tác chỉ đạo.",
     ["100%", "ít nhất 01 ứng dụng AI"]),
    ("thuộc nhóm 3 nước dẫn đầu ASEAN và nhóm 50 nước dẫn đầu thế giới vào năm 2030",
     ["nhóm 3 nước dẫn đầu", "nhóm 50 nước dẫn đầu"]),
    ("Cắt giảm tối thiểu 20% số quy định.", ["tối thiểu 20%"]),
    ("Thời gian luân chuyển ít nhất 3 năm.", []),  # a duration, not a target count
    # a multiple of something named after it, to the end of the clause; "so" is no abbreviation
    ("Mức trích năm 2026 bằng 0,8 lần quỹ lương cơ bản.", ["0,8 lần quỹ lương cơ bản"]),
    ("cho các năm tiếp theo nhưng không vượt quá 0,8 lần quỹ lương cơ bản", ["0,8 lần quỹ lương cơ bản"]),
    ("tăng gấp 2 lần so với năm 2020 và các năm trước đó", ["gấp 2 lần"]),
])
def test_targets_of_other_forms(text: str, expected: list[str]) -> None:
    assert [f.text for f in extract.targets(text)] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Bộ Công an chủ trì, phối hợp với Bộ Khoa học và Công nghệ", ["Bộ Công an", "Bộ Khoa học và Công nghệ"]),
    ("Văn phòng Chính phủ; Bộ Quốc phòng; Bộ Nông nghiệp và Môi trường",
     ["Văn phòng Chính phủ", "Bộ Quốc phòng", "Bộ Nông nghiệp và Môi trường"]),
    ("giao Thuế Đồng Nai triển khai Nền tảng hóa đơn điện tử", ["Thuế Đồng Nai"]),
    ("Thuế thu nhập cá nhân được kê khai trực tuyến", []),
    ("- Sở Lao động, Thương binh và Xã hội:", ["Sở Lao động, Thương binh và Xã hội"]),
    # the six cities run by the centre have the provincial bodies under "thành phố"
    ("Ủy ban nhân dân thành phố Hà Nội chủ trì, phối hợp với Công an thành phố",
     ["Ủy ban nhân dân thành phố", "Công an thành phố"]),
    ("Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam thành phố Hà Nội phối hợp tuyên truyền",
     ["Ủy ban Mặt trận Tổ quốc Việt Nam thành phố"]),
    ("UBND huyện, thị xã, thành phố và UBND tỉnh", ["UBND huyện, thị xã, thành phố", "UBND tỉnh"]),
])
def test_national_and_renamed_agencies(text: str, expected: list[str]) -> None:
    assert [f.text for f in extract.agencies(text)] == expected


def test_people_are_not_organisations_named_like_people() -> None:
    assert extract.people("Đoàn Thanh niên Cộng sản Hồ Chí Minh tỉnh phối hợp") == []
    assert [f.text for f in extract.people("Người ký Trần Tiến Dũng")] == ["Trần Tiến Dũng"]


@pytest.mark.parametrize(("text", "expected"), [
    ("- Sở Nội vụ tăng cường kiểm tra công vụ.", "Sở Nội vụ"),
    # the body a directive or resolution assigns the work to, after the verb that assigns it
    ("Giao Ủy ban nhân dân thành phố tổ chức thực hiện Nghị quyết.", "Ủy ban nhân dân thành phố"),
    ("Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam thành phố Hà Nội và các tổ chức chính trị - xã hội phối hợp giám sát.",
     "Ủy ban Mặt trận Tổ quốc Việt Nam thành phố"),
    ("Đề nghị các cơ quan phản ánh về Ủy ban nhân dân tỉnh.", None),
])
def test_the_actor_at_the_head_of_a_sentence(text: str, expected: str | None) -> None:
    found = extract.subject_agency(text)
    assert (found.text if found else None) == expected


@pytest.mark.parametrize(("term", "text", "expected"), [
    ("phản ánh hiện trường", "1*. *Phản ánh hiện trường là phản ánh kiến nghị có hình ảnh hoặc video hiện trường.",
     "phản ánh kiến nghị có hình ảnh hoặc video hiện trường"),
    ("sắp xếp đơn vị hành chính cấp tỉnh", "1. Sắp xếp đơn vị hành chính cấp tỉnh quy định tại Nghị quyết này là "
     "việc nhập tỉnh với tỉnh để hình thành tỉnh mới.", "việc nhập tỉnh với tỉnh để hình thành tỉnh mới"),
    ("góp ý kiến điện tử", "Trong Quy chế này, góp ý kiến điện tử được hiểu là việc cơ quan gửi dự thảo qua hệ thống.",
     "việc cơ quan gửi dự thảo qua hệ thống"),
    ("tái phạm", "Công chức đã bị kỷ luật mà trong thời hạn 12 tháng tiếp tục vi phạm thì bị coi là tái phạm.",
     "Công chức đã bị kỷ luật mà trong thời hạn 12 tháng tiếp tục vi phạm"),
    ("đơn vị nhóm 3", "c) Đơn vị tự bảo đảm một phần chi thường xuyên (sau đây gọi là đơn vị nhóm 3);",
     "Đơn vị tự bảo đảm một phần chi thường xuyên"),
    # the term is what the clause is about only when it opens it
    ("phản ánh hiện trường", "Quy chế quy định phản ánh hiện trường là trách nhiệm của ai.", None),
    ("tái phạm", "Không xem xét tái phạm là tình tiết tăng nặng.", None),
])
def test_definitions_stated_in_the_text(term: str, text: str, expected: str | None) -> None:
    found = extract.definition_stated(term, text)
    assert (found.text if found else None) == expected
    if found:
        assert text[found.start:found.end] == found.text
