"""Typed facts found in Vietnamese plan text: agencies with their roles, quantified targets with their
qualifiers, time expressions, definitions of abbreviations and people's names.

Pure regex functions over one sentence; the answerer uses them to answer the question directly and
to decide whether a passage supports an answer at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.lexicon import vocabulary
from assistant.lexicon.text import fold

# Agency names. Provincial departments have statutory names (Nghị định 24/2014, 107/2020, 45/2025),
# listed here; other bodies follow regular patterns.
DEPARTMENTS: tuple[str, ...] = vocabulary.departments()  # agencies.toml
_DEPT = "|".join(re.escape(d).replace(r"\ ", r"\s+") for d in sorted(DEPARTMENTS, key=len, reverse=True))
_UBND = r"(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)"
# Ministries (Nghị định 25/2025 and the earlier names still found in plans).
MINISTRIES: tuple[str, ...] = vocabulary.ministries()  # agencies.toml
_MINISTRY = "|".join(re.escape(d).replace(r"\ ", r"\s+") for d in sorted(MINISTRIES, key=len, reverse=True))
_NAME_WORD = r"(?-i:[A-ZĐÀ-Ỹ])[\wÀ-ỹ]+"  # a capitalised word of a proper name
# the provincial level: a province, or one of the six cities run by the centre (Hà Nội, Hải Phòng, Huế, …),
# whose bodies are the same with "thành phố" for "tỉnh" (Công an thành phố, Ủy ban nhân dân thành phố)
_PROVINCE = r"(?:tỉnh|thành\s+phố)"
_AGENCY = re.compile(
    r"(?<![\wÀ-ỹ])("
    r"Sở\s+(?:" + _DEPT + r")"
    r"|Văn phòng\s+" + _UBND + r"\s+(?:tỉnh|thành phố|cấp tỉnh)"
    r"|Văn phòng\s+(?:Đoàn ĐBQH và HĐND|HĐND)\s+" + _PROVINCE +
    r"|" + _UBND + r"\s+(?:các\s+)?(?:cấp\s+)?(?:huyện, thị xã, thành phố|huyện, thành phố|xã, phường, thị trấn|"
    r"xã, phường|" + _PROVINCE + r"|huyện|xã)"
    r"|(?:Thanh tra|Công an)\s+" + _PROVINCE + r"|Ban\s+Chỉ\s+đạo\s+(?:CCHC|cải cách hành chính)(?:\s+(?:của\s+)?" + _PROVINCE
    + r")?"
    r"|Ban\s+Dân\s+tộc(?:\s+" + _PROVINCE + r")?"
    r"|Bộ\s+(?:" + _MINISTRY + r")"
    r"|Bộ\s+(?:Chỉ\s+huy|Tư\s+lệnh)\s+Quân\s+sự\s+" + _PROVINCE + r"|Bộ\s+Chính\s+trị"
    r"|Văn phòng\s+Chính phủ|Thủ tướng\s+Chính phủ|Thanh tra\s+Chính phủ"
    r"|Ngân hàng Nhà nước(?:\s+Việt Nam)?(?:\s+(?:chi nhánh|Chi nhánh)(?:\s+" + _NAME_WORD + r"){1,3})?"
    r"|Thuế\s+(?:tỉnh\s+)?" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r")?"
    r"|Trung tâm\s+Phục vụ\s+hành chính công(?:\s+" + _PROVINCE + r")?"
    r"|Cục\s+Thuế\s+" + _PROVINCE + r"|Kho bạc Nhà nước\s+" + _PROVINCE
    + r"|Ủy ban Mặt trận Tổ quốc Việt Nam(?:\s+" + _PROVINCE + r")?"
    # proper names end at the first lower-case word, whatever the flags: (?-i:…) keeps the capital
    r"|Đài Phát thanh và Truyền hình\s+" + _PROVINCE + r"|Báo\s+" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r")?"
    r"|Trường Chính trị(?:\s+" + _NAME_WORD + r"){0,4}"
    r"|các\s+sở,\s+ban,\s+ngành(?:\s+" + _PROVINCE + r")?"
    r")",
    re.IGNORECASE,
)
# roles.toml: every role verb; the role of an agency in a sentence (no "đề nghị"); the roles of a
# commitments responsibility row (extraction, the explorer, the CLI), whose pattern also takes "có trách nhiệm"
ROLE_WORDS: tuple[str, ...] = tuple(r.vi for r in vocabulary.roles())
SENTENCE_ROLES: tuple[str, ...] = vocabulary.role_list("sentence_facts")
COMMITMENT_ROLES: tuple[str, ...] = vocabulary.role_list("commitments")
ROLE = re.compile(r"(" + "|".join(re.escape(w) for w in SENTENCE_ROLES) + r")", re.IGNORECASE)
_ROLE = ROLE
COMMITMENT_ROLE_WORD = re.compile(
    r"(?<![\wÀ-ỹ])(" + "|".join(vocabulary.role(w).pattern for w in COMMITMENT_ROLES) + r")(?![\wÀ-ỹ])", re.IGNORECASE)

_NUMBER = r"\d+(?:[.,]\d+)?"
_TARGET = re.compile(
    r"(?:(?:từ|đạt|đạt từ|đạt tối thiểu|tối thiểu|ít nhất|trên|dưới|không quá|không dưới|tối đa|khoảng|bình quân|"
    r"hơn|giảm|tăng|gấp|đạt trên|phấn đấu đạt|xếp thứ hạng từ|thứ hạng từ|xếp hạng|nằm trong nhóm|thuộc nhóm)\s+)?"
    r"(?<![\d/.,])(?:" + _NUMBER + r"\s*[-–]\s*" + _NUMBER + r"/\d+(?![\d/])|" + _NUMBER + r"/\d+(?![\d/])|" + _NUMBER + r"\s*%(?:\s*[-–]\s*" + _NUMBER
    + r"\s*%)?|" + _NUMBER + r"\s*(?:điểm|tỷ đồng|triệu đồng|đồng|thủ tục|hồ sơ|đơn vị|cơ quan|nhóm|lớp|người|lượt)"
    r"|(?:0?\d|1\d|20)\s+(?:nhóm|nhiệm vụ|mục tiêu|giải pháp|lĩnh vực|chỉ tiêu)"
    # "gấp 2 lần", "bằng 0,8 lần quỹ lương cơ bản", "không vượt quá 0,8 lần …": a multiple, with what it multiplies
    # when the clause ends there
    r"|(?:(?<=gấp\s)|(?<=bằng\s)|(?<=quá\s))" + _NUMBER + r"\s+lần(?:\s+(?-i:[A-Z]{2,6})\b|(?:\s+[\wÀ-ỹ]+){1,4}(?=\s*[,.;)]|$))?"
    r"|(?:(?<=ít nhất\s)|(?<=tối thiểu\s))0?\d{1,2}\s+(?!năm\b|tháng\b|ngày\b)[\wÀ-ỹ]+(?:\s+[\wÀ-ỹ]+){0,2})"
    r"(?:\s+trở lên|\s+trở xuống)?"
    r"|(?:nhóm|tốp|top)\s+(?:khá|tốt|đầu|\d+)(?:\s+(?:nước|quốc gia|tỉnh|địa phương)\s+dẫn\s+đầu"
    r"|[\w\s]{0,20}?(?=[,.;)\]]|$))"
    , re.IGNORECASE,
)
_MONEY = re.compile(_NUMBER + r"\s*(?:tỷ|triệu|nghìn|ngàn)?\s*(?:đồng|VNĐ|VND)", re.IGNORECASE)
_TIME = re.compile(
    r"(?:(?:đến|tới|trước|trong|từ|sau|cuối|đầu|kết thúc)\s+(?:hết\s+)?(?:năm|giai đoạn|quý|tháng|ngày)\s+[\d/\s\-–]+(?:\d)"
    r"|giai đoạn\s+\d{4}\s*[-–]\s*\d{4}|định hướng(?: đến)?\s+năm\s+\d{4}|năm\s+\d{4}|hằng năm|hàng năm|hằng quý|"
    r"hàng quý|định kỳ[\w\s,]{0,30}?(?=[,.;]|$)|6 tháng|kết thúc giai đoạn|ngày\s+\d{1,2}/\d{1,2}/\d{4}|"
    r"ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}|thường xuyên)",
    re.IGNORECASE,
)
_NAME_LIKE_ORGANISATIONS = tuple(fold(o) for o in vocabulary.name_like_organisations())
_SURNAMES = ("Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Trịnh Đoàn Lương Mai Cao "
             "Tạ Chu Hà Lâm Quách Triệu Tô Thái Kiều Vương Lưu La Lò Hứa Nông Hầu Khổng Văn").split()
_PERSON = re.compile(r"\b(?:" + "|".join(_SURNAMES) + r")(?:\s+[A-ZĐÀ-Ỹ][a-zà-ỹđ]+){1,3}\b")


@dataclass(frozen=True)
class Found:
    text: str
    start: int
    end: int


def _all(pattern: re.Pattern[str], text: str, group: int = 0) -> list[Found]:
    return [Found(m.group(group).strip(), m.start(group), m.end(group)) for m in pattern.finditer(text)]


def agencies(text: str) -> list[Found]:
    out = []
    for f in _all(_AGENCY, text, 1):
        name = re.sub(r"\s+", " ", f.text).strip(" ,;")
        if name[:1].isupper() or name.startswith("các sở"):  # "các sở, ban, ngành" is the only lower-case form we keep
            out.append(Found(name, f.start, f.start + len(name)))
    return out


def roles(text: str) -> list[Found]:
    return _all(_ROLE, text)


def targets(text: str) -> list[Found]:
    return [f for f in _all(_TARGET, text) if re.search(r"\d|nhóm|tốp|top", f.text, re.IGNORECASE)]


def money(text: str) -> list[Found]:
    return _all(_MONEY, text)


_DURATION = re.compile(
    r"(?:(?:trước|sau|trong(?:\s+vòng)?|ít nhất|tối đa|tối thiểu|không quá|chậm nhất|đủ|là)\s+)?"
    r"(?<![\d/])\d{1,3}\s+(?:ngày(?:\s+làm\s+việc)?|tháng|năm|giờ|tuần)(?!\s+\d{1,2}\s+năm\s+\d{4})(?![\w/])"
    r"(?:\s*\(\d{1,3}\s+(?:tháng|ngày)\))?"
    r"(?:\s+(?:kể từ|tính từ|tính đến)\s+[^,.;]{3,60})?",
    re.IGNORECASE,
)


def durations(text: str) -> list[Found]:
    """Lengths of time with their qualifier: "30 ngày kể từ ngày thông báo", "ít nhất 3 năm (36 tháng)",
    "Trước 03 tháng tính đến thời điểm nghỉ hưu". Not dates ("01 tháng 7 năm 2025") nor years ("năm 2025")."""
    out = []
    for f in _all(_DURATION, text):
        before = text[max(0, f.start - 6):f.start].lower()
        if re.search(r"ngày\s*$|tháng\s*$", before):
            continue  # "ngày 01 tháng 7 …" is a date
        out.append(Found(re.sub(r"^là\s+", "", f.text), f.start, f.end))
    return out


def times(text: str) -> list[Found]:
    return _all(_TIME, text)


def people(text: str) -> list[Found]:
    """People's names; not the places (gazetteer) and organisations whose names begin like one."""
    from assistant.lexicon.gazetteer import find_provinces

    found = []
    for f in _all(_PERSON, text):
        name = fold(text[f.start:f.end + 12])  # with what follows: "Đoàn Thanh niên"
        if any(name.startswith(fold(p)) for p in find_provinces(f.text)) \
                or any(name.startswith(o) for o in _NAME_LIKE_ORGANISATIONS):
            continue
        found.append(f)
    return found


_HEAD_NOUNS = ("Chỉ số|Bộ chỉ số|Hệ thống|Chương trình|Nền tảng|Cổng|Trung tâm|Cơ sở dữ liệu|Đề án|Tiêu chuẩn|Kho|"
               "Ứng dụng|Mô hình|Phương pháp|Bộ phận|Quy trình|Dịch vụ|Chính quyền")


def definition_of(term: str, text: str) -> Found | None:
    """What ``term`` stands for in ``text``: the phrase written before "(term)" — "Chỉ số hiệu quả quản
    trị và hành chính công (PAPI)" — or, for a long form, the abbreviation written after it."""
    esc = re.escape(term).replace(r"\ ", r"\s+")
    m = re.search(r"\(\s*" + esc + r"\s*\)", text, re.IGNORECASE)
    if m:
        window = text[max(0, m.start() - 220):m.start()]
        heads = list(re.finditer(r"(?:" + _HEAD_NOUNS + r")\b", window, re.IGNORECASE))
        if heads:
            head = heads[-1]
            # "Chỉ số Hiệu quả …" inside an earlier "Chỉ số …, Chỉ số …" list: take the nearest head
            phrase = window[head.start():].strip(" ,;:")
        else:
            words = re.split(r"[;:.]", window)[-1].split()
            phrase = " ".join(words[-8:])
        phrase = re.sub(r"\s+", " ", phrase).strip(" ,;:“”\"")
        if phrase.isupper():
            phrase = phrase[:1] + phrase[1:].lower()
        if len(phrase) >= 4:
            start = m.start() - len(window) + window.find(phrase[:10]) if phrase[:10] in window else m.start()
            return Found(phrase, start, start + len(phrase))
    m = re.search(esc + r"\s*\(\s*([^()]{2,40}?)\s*\)", text, re.IGNORECASE)
    if m:
        return Found(m.group(1), m.start(1), m.end(1))
    return None


def definition_stated(term: str, text: str) -> Found | None:
    """What a text says ``term`` is, in the forms laws and plans define words: "Phản ánh hiện trường là
    phản ánh kiến nghị có hình ảnh …", "X quy định tại Nghị quyết này là việc …", "X được hiểu là …",
    "Trong Quy chế này, X là …"; the term opens its clause (a list marker or "Trong … này," may come first)."""
    folded = fold(text)
    if len(folded) != len(text):
        return None
    esc = r"\s+".join(re.escape(w) for w in fold(term).split())
    for m in re.finditer(r"(?:^|[.;:]\s*|\n)[*_]*(?:[-+•]\s*|[a-zđ0-9]{1,2}[*_]*[.)][*_\s]*)?(?:trong [^,.;]{2,40} nay,\s*)?"
                         + esc + _DEFINED_BY, folded):
        rest = text[m.end():]
        end = re.search(r"[.;](?:\s|$)|\n|$", rest)
        body = rest[:end.start()].strip(" ,:")
        if 8 <= len(body) <= 400:
            return Found(body, m.end(), m.end() + len(body))
    # the other way round: "… mà trong thời hạn 12 tháng … tiếp tục vi phạm thì bị coi là tái phạm",
    # "Đơn vị … tự bảo đảm một phần chi thường xuyên (sau đây gọi là đơn vị nhóm 3)"
    m = re.search(r"(?:\s+thi)?\s+(?:bi|duoc)\s+(?:coi|xem|goi)\s+la\s+" + esc + r"\b"
                  r"|\s*\(\s*sau day (?:duoc )?goi (?:tat )?la\s+" + esc + r"\b", folded)
    if m:
        start = max(folded.rfind(c, 0, m.start()) for c in ".;:\n") + 1
        body = text[start:m.start()].strip(" ,*_")
        body = re.sub(r"^(?:[-+•]\s*|[a-zđ0-9]{1,2}[.)]\s*)", "", body)
        if 8 <= len(body) <= 400:
            at = text.find(body, start)
            return Found(body, at, at + len(body))
    return None


# between a defined term and its definition: its scope ("quy định tại Nghị quyết này") and the copula
_DEFINED_BY = (r"(?:\s*\([^)]{0,80}\))?(?:\s+(?:quy dinh|duoc quy dinh|neu|noi)\s+tai\s+[^,.;]{2,60}?)?"
               r"\s*,?\s+(?:duoc hieu la|co nghia la|la)\s+")


def definition_terms(question: str) -> list[str]:
    """Terms a definition question is about: quoted terms and upper-case abbreviations (not those of a
    document's number: "HĐND" in "34/2025/NQ-HĐND" names who issued it, not what is asked)."""
    question = re.sub(r"[^\s,;()]*\d[^\s,;()]*/[^\s,;()]+", " ", question)
    quoted = re.findall(r"[“\"‘]([^”\"’]{2,60})[”\"’]", question)
    quoted += re.findall(r"(?:^|(?<=\s))'([^'\n]{2,60})'(?=[\s,.?;:]|$)", question)  # 'tái phạm', not Hai Phong's
    abbrs = re.findall(r"\b(PAR\s+(?:INDEX|Index)|[A-ZĐ][A-ZĐ0-9]{2,})\b", question)
    from assistant.lexicon.gazetteer import ABBREVIATIONS

    # the domain's known abbreviations also when typed in lower case ("papi la gi")
    known = [a for a in ABBREVIATIONS if re.search(rf"(?<!\w){re.escape(a.lower())}(?!\w)", question.lower())]
    return list(dict.fromkeys([*quoted, *[re.sub(r"\s+", " ", a).upper() for a in abbrs], *known]))


def agency_before_role(sentence: str) -> Found | None:
    """The agency that performs a role in the sentence: "Sở Tài chính chủ trì, phối hợp …"."""
    roles_found = roles(sentence)
    ags = agencies(sentence)
    if not roles_found or not ags:
        return None
    role = roles_found[0]
    before = [a for a in ags if a.end <= role.start and role.start - a.end <= 30
              and not re.search(r"[;.:]", sentence[a.end:role.start])]
    if before:
        return before[-1]
    # "Chủ trì: Sở Nội vụ" / "chủ trì là Sở Nội vụ" (not "Chủ trì tham mưu UBND tỉnh …", where the
    # agency after the verb is whom the work is for)
    after = [a for a in ags if a.start >= role.end and re.fullmatch(r"\s*(?::|là)\s*", sentence[role.end:a.start])]
    return after[0] if after else None


# a day of the calendar, "kể từ ngày ký", or a day the text gives without its year: of every year ("trước
# ngày 15 tháng 12 hằng năm": the deadline of a yearly report or review) or of the year the text is about
# ("trước ngày 20/11")
_DATE = re.compile(r"(?:ngày\s+)?\b\d{1,2}/\d{1,2}/\d{4}\b|ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}"
                   r"|kể từ ngày ký(?:\s+ban\s+hành)?|kể từ ngày ban hành"
                   r"|ngày\s+\d{1,2}(?:\s+tháng\s+|/)\d{1,2}(?![\d/])(?!\s+năm\s+\d)(?:\s+(?:hằng|hàng)\s+năm)?",
                   re.IGNORECASE)


def dates(text: str) -> list[Found]:
    return _all(_DATE, text)


# a document number ("283/KH-UBND", "2437/QĐ-TTg", "71/NQ-CP") just before a date: that date is the cited
# document's, as in "Thực hiện Kế hoạch số 283/KH-UBND ngày 24/9/2025 của …"
_CITED_BEFORE = re.compile(r"\b\d{1,5}(?:/\d{4})?[/-][A-ZĐ][\w&/-]*\s*(?:,\s*)?$")


def of_cited_document(text: str, found: Found) -> bool:
    """Whether the date ``found`` in ``text`` is the date of a document cited by its number, not a time
    of anything the text commits to."""
    return bool(_CITED_BEFORE.search(text[max(0, found.start - 40):found.start]))


def subject_agency(sentence: str) -> Found | None:
    """An agency at the head of a sentence or list item is its actor: "- Sở Nội vụ tăng cường …", also after the
    verb that assigns the work ("Giao Ủy ban nhân dân thành phố tổ chức thực hiện", "Đề nghị Ủy ban Mặt trận Tổ
    quốc … phối hợp giám sát")."""
    body = re.sub(r"^\s*(?:(?:[-+•*]|[a-zđ]\)|\d+(?:\.\d+)*\.?)\s*)?(?:(?:Giao|Đề nghị|Yêu cầu)\s+(?=[A-ZĐÀ-Ỹ]))?", "",
                  sentence)
    offset = len(sentence) - len(body)
    for found in agencies(body):
        if found.start <= 3:
            return Found(found.text, found.start + offset, found.end + offset)
    return None


# How a body's (or its head's) name begins, for cells and fields that name who does the work (agencies.toml).
_ORG_HEADS = sorted(vocabulary.organisation_heads(), key=len, reverse=True)
# a one-word head is also a common word ("Bộ quy tắc", "Ban hành"): a capitalised name must follow it
_ORG_START = re.compile(r"^\s*(?:(?:" + "|".join(re.escape(h).replace(r"\ ", r"\s+") for h in _ORG_HEADS if " " in h)
                        + r")(?![\wÀ-ỹ])|(?:" + "|".join(re.escape(h) for h in _ORG_HEADS if " " not in h)
                        + r")\s+[A-ZĐÀ-Ỹ&])")
_ACRONYM = re.compile(r"^\s*[A-ZĐ][A-ZĐ0-9&]{1,9}(?![\wÀ-ỹ])")
_CAPS_HEADING = re.compile(r"^\s*(?:[A-ZĐÀ-Ỹ]+\s+){3,}[A-ZĐÀ-Ỹ]+\b")
# Labelled fields: "Cơ quan chủ trì: Sở X. - Cơ quan phối hợp: Sở Y" / "Đơn vị thực hiện: …" / "Chủ trì: …".
_ROLE_FIELD = re.compile(r"(?:(?<=^)|(?<=[\s(;.\-–:]))(?:(?:Đơn vị|Cơ quan|Bộ phận|Người)\s+)?"
                         r"(chủ trì|phối hợp|thực hiện|chịu trách nhiệm)(?:\s+tham mưu)?(?:\s+thực hiện)?\s*:\s*",
                         re.IGNORECASE)


def names_organisation(text: str) -> bool:
    """Does ``text`` (a table cell, a field value) begin with the name of a body or of an office holder?
    Not an upper-case heading ("BAN HÀNH QUY ĐỊNH VỀ …"), whose first word only looks like an acronym."""
    if _CAPS_HEADING.match(text):
        return False
    return bool(_ORG_START.match(text) or _ACRONYM.match(text)
                or any(f.start <= 4 for f in agencies(text[:120])))


def role_fields(text: str) -> dict[str, Found]:
    """Labelled fields naming who does a task, by role: "Cơ quan chủ trì: Sở Khoa học và Công nghệ. -
    Cơ quan phối hợp: Các sở, ngành …" -> {"chủ trì": …, "phối hợp": …}; the value runs to the next field,
    the end of the sentence or a "- " item break."""
    matches = list(_ROLE_FIELD.finditer(text))
    out: dict[str, Found] = {}
    for i, m in enumerate(matches):
        stop = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        value = text[m.end():stop]
        cut = re.search(r"\.(?:\s|$)|\s[-–]\s|;\s*(?=[-–])|\n", value)
        value = (value[:cut.start()] if cut else value).strip(" ,;.-–*_")
        if value and names_organisation(value) and len(value) <= 240:
            out.setdefault(m.group(1).lower(), Found(value, m.end(), m.end() + len(value)))
    return out
