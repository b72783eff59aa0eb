"""Question parts and the relations that the typed extractors in :mod:`assistant.lexicon.facts` do not cover.

A question often asks two things at once ("ban hành ngày nào và có hiệu lực từ khi nào", "báo cáo cho
ai, qua cơ quan nào"): :func:`split_parts` cuts it into one interrogative clause per thing asked, so
each part is answered with its own kind of fact. :func:`relation_of` says which relation a part asks
for when it is none of the answerer's basic types (who leads, target, time, list, definition):

* ``docref`` — a document number ("mang số nào", "tại văn bản nào", "kèm quyết định nào");
* ``proposer`` — on whose proposal a document was issued ("theo đề nghị của ai");
* ``recipient`` — to whom results are reported ("báo cáo cho ai", "qua cơ quan nào");
* ``count`` — how many of something a text names ("bao nhiêu nhóm nhiệm vụ", "how many groups");
* ``contact`` — a phone number, hotline or e-mail address;
* ``agent`` — who performs an action the question names in the passive ("được giám sát bởi ai",
  "do cơ quan nào thẩm định"): the text says "dưới sự giám sát của X" or "do X thẩm định".

Everything here is a pure function of the text, cheap and testable on its own.
"""

from __future__ import annotations

import re

from assistant.lexicon import facts as extract
from assistant.lexicon import vocabulary
from assistant.lexicon.facts import Found
from assistant.lexicon.text import fold

# Folded interrogative cues: a clause holding one of these asks something.
_CUE = re.compile(r"(?<!\w)(?:nao|gi|bao nhieu|ai|khi nao|bao gio|ra sao|the nao|thu may|may (?:nhom|noi dung|nhiem vu"
                  r"|giai phap|linh vuc|muc tieu|chi tieu|phan|dieu|lan)|which|what|who|whom|when|how)(?!\w)")
# Where one interrogative clause may end and the next begin (folded text, same offsets as the original).
_SEPARATOR = re.compile(r"\s*[,;]\s*(?:va\s+|and\s+)?|\s+va\s+|\s+and\s+")


def split_parts(question: str) -> list[str]:
    """The interrogative clauses of a question, in order; one element when it asks one thing.

    "Quyết định 534 ban hành ngày nào và có hiệu lực từ khi nào?" -> ["Quyết định 534 ban hành ngày nào",
    "có hiệu lực từ khi nào?"]. A segment without a question word stays with its neighbour
    ("Ở Quảng Ngãi, ai chủ trì …" is one part).
    """
    folded = fold(question)
    if len(folded) != len(question):  # folding must keep offsets; otherwise do not split
        return [question]
    starts = [0]
    ends: list[int] = []
    has_cue = False
    pos = last_end = 0
    for m in _SEPARATOR.finditer(folded):
        if _CUE.search(folded[pos:m.start()]):
            if has_cue and pos != starts[-1]:
                starts.append(pos)
                ends.append(last_end)
            has_cue = True
        last_end = m.start()
        pos = m.end()
    if _CUE.search(folded[pos:]) and has_cue and pos != starts[-1]:
        starts.append(pos)
        ends.append(last_end)
    ends.append(len(question))
    parts = [question[a:b].strip(" ,;") for a, b in zip(starts, ends, strict=True)]
    return [p for p in parts if p] or [question]


#: The date of a document itself: when it was issued, adopted or came into force, also as a comparison
#: ("văn bản nào ban hành trước", "có hiệu lực muộn hơn"): answered from its dated line or its "hiệu lực"
#: clause, never from the dates of the documents it cites.
DOC_DATE_Q = re.compile(r"\b(?:ban hanh|thong qua|(?:co )?hieu luc)(?: (?:som|muon) hon| (?:truoc|sau)\b(?! khi| bao lau| \d| ngay \d)"
                        r"| (?:vao |tu )?(?:ngay nao|khi nao))|\b(?:issued|adopted|took effect|came into force)"
                        r" (?:first|earlier|later|on)\b")
_DOCREF_Q = re.compile(r"(?:mang|co|la)\s+so(?:\s+hieu)?\s+(?:nao|gi|bao nhieu|may)|\bso hieu\b|so ky hieu"
                       r"|(?:van ban|quyet dinh|ke hoach|nghi quyet|cong van|to trinh|chi thi|nghi dinh|thong tu)\s+(?:so\s+)?nao"
                       r"|\bwhich\b[\w\s']{0,40}\b(?:document|decision|plan|resolution|dispatch)\b|document number"
                       r"|what (?:is the )?number")
_PROPOSER_Q = re.compile(r"de nghi cua (?:ai|co quan nao|don vi nao)|theo de nghi|(?:proposal|request|recommendation) of"
                         r"|proposed by|at whose")
_REPORT_Q = re.compile(r"bao cao|\breport")
_RECIPIENT_Q = re.compile(r"(?:cho|gui|ve|len|toi|qua)\s+(?:ai|co quan nao|don vi nao|dau)|to whom|to which|through which"
                          r"|via which")
_PARTNER_Q = re.compile(r"phoi hop (?:voi\s+)?(?:nhung\s+|cac\s+)?(?:co quan|so|don vi|ben|ai)(?:\s+nao)?\s*(?:de|trong|khi|\?|$)"
                        r"|phoi hop voi (?:nhung |cac )?(?:co quan|so|don vi|ai)\b.*\b(?:nao|ai)\b|(?:work|coordinate)s? with whom"
                        r"|together with which")
_CONTACT_Q = re.compile(r"so dien thoai|duong day nong|hotline|\bemail\b|thu dien tu|phone|so fax|\bfax\b")
_WHO = r"(?:ai|co quan nao|don vi nao|to chuc nao|cap nao)"
# "(được) giám sát bởi ai", "do cơ quan nào thẩm định", "dưới sự chỉ đạo của ai": the action is named.
_AGENT_Q = re.compile(r"(?:duoc|bi)?\s*(?P<a>[a-z]+(?: [a-z]+)?)\s+(?:boi|cua)\s+" + _WHO + r"(?!\w)"
                      r"|(?:do|boi)\s+" + _WHO + r"\s+(?P<b>[a-z]+(?: [a-z]+)?)")
_NOT_ACTION = re.compile(r"^(?:duoc|bi|la|va|cua|cho|nay|do|boi|ke hoach|quyet dinh|de an|trach nhiem|nhiem vu"
                         r"|de nghi|y kien)$")
# "bao nhiêu nhóm nhiệm vụ", "mấy nội dung", "how many groups": the counted noun follows.
_COUNT_Q = re.compile(r"(?:bao nhieu|\bmay)\s+((?:nhom|noi dung|nhiem vu|giai phap|linh vuc|muc tieu|chi tieu|chi so"
                      r"|phan(?!\s+tram)|dieu(?!\s+kien)|chuong|muc(?!\s+do)|quan diem|dot pha|khau dot pha|van ban|phu luc)"
                      r"(?:\s+nhiem vu|\s+giai phap)?)\b"
                      r"|how many (groups?|tasks?|solutions?|areas?|fields?|objectives?|targets?|indices|indexes"
                      r"|parts?|articles?|contents?|components?)")
_EN_COUNT_NOUN = {"group": "nhom", "task": "nhiem vu", "solution": "giai phap", "area": "linh vuc", "field": "linh vuc",
                  "objective": "muc tieu", "target": "chi tieu", "indice": "chi so", "indexe": "chi so", "part": "phan",
                  "article": "dieu", "content": "noi dung", "component": "noi dung"}


def counted_noun(question: str) -> str | None:
    """The folded noun a counting question counts ("nhom nhiem vu"), or None."""
    m = _COUNT_Q.search(fold(question))
    if not m:
        return None
    if m.group(1):
        return m.group(1)
    word = m.group(2).rstrip("s")
    return _EN_COUNT_NOUN.get(word, _EN_COUNT_NOUN.get(word.rstrip("e")))


def relation_of(part: str, question: str | None = None) -> str | None:
    """The relation a question part asks for (see the module docstring), or None for the basic types.

    ``question`` is the whole question when ``part`` is one of its clauses: "qua cơ quan nào" asks for a
    recipient only when the question is about reporting.
    """
    f = fold(part)
    whole = fold(question or part)
    if _CONTACT_Q.search(f):
        return "contact"
    if agent_action(part):
        return "agent"
    if _PROPOSER_Q.search(f):
        return "proposer"
    if _PARTNER_Q.search(f):
        return "partner"
    if _REPORT_Q.search(whole) and _RECIPIENT_Q.search(f):
        return "recipient"
    # "văn bản nào ban hành trước" chooses between the documents named by their dates: not a number asked
    if _DOCREF_Q.search(f) and not re.search(r"\bso nao\b", f) and not DOC_DATE_Q.search(f) or re.search(r"(?:mang|co)\s+số\s+(?:nào|gì)|số hiệu",
                                                                             part.lower()):
        return "docref"
    if counted_noun(part):
        return "count"
    return None


# -- extractors -------------------------------------------------------------------------------------

_DOCNUM = re.compile(r"(?<![\w/.-])(\d{1,5}(?:/\d{4})?(?:/|-)(?:[A-ZĐ]{1,8})(?:[-/&][A-ZĐ]{1,8}){0,3})(?![\w/])"
                     r"(?:\s+ngày\s+(\d{1,2}/\d{1,2}/\d{4}|\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}))?")


def doc_refs(text: str) -> list[Found]:
    """Document numbers with the date that follows them: "140/KH-UBND ngày 14/10/2021", "08-NQ/TU"."""
    out = []
    for m in _DOCNUM.finditer(text):
        if not re.search(r"[A-ZĐ]", m.group(1)):
            continue
        out.append(Found(m.group(0).strip(), m.start(), m.end()))
    return out


_PROPOSER = re.compile(r"(?:theo\s+)?đề\s+nghị\s+của\s+(.{4,120}?)(?=\s*(?:[,;.:]|$|\btại\b|\bvà\b))", re.IGNORECASE)


def proposer(text: str) -> Found | None:
    """Whose proposal a text cites: "Theo đề nghị của Giám đốc Sở Nội vụ tại …" -> "Giám đốc Sở Nội vụ"."""
    m = _PROPOSER.search(text)
    if not m:
        return None
    name = re.sub(r"\s+", " ", m.group(1)).strip()
    tail = text[m.end(1):m.end(1) + 200]
    at = re.match(r"\s*tại\s+((?:Công văn|Tờ trình|Báo cáo|văn bản)?\s*(?:số\s+)?[\w/\-Đđ]+(?:\s+ngày\s+[\d/]+)?)",
                  tail, re.IGNORECASE)
    if at:
        where = re.sub(r"\s+", " ", at.group(1)).strip()
        name = f"{name} tại {where}"
        return Found(name, m.start(1), m.end(1) + at.end())
    return Found(name, m.start(1), m.end(1))


def report_recipient(text: str) -> Found | None:
    """To whom a text says results are reported: "báo cáo Ủy ban nhân dân tỉnh (qua Sở Nội vụ)"."""
    for rep in re.finditer(r"báo\s+cáo", text, re.IGNORECASE):
        window = text[rep.end():rep.end() + 160]
        for ag in extract.agencies(window):
            before = window[:ag.start]
            # the addressee comes right after the verb or after cho/về/gửi/lên, within a short gap
            if len(before) > 90 or re.search(r"[.;]", before):
                break
            if not (re.search(r"(?:cho|về|gửi|lên|tới|đến)\s*$", before, re.IGNORECASE) or before.strip() == ""):
                continue
            name = ag.text
            end = ag.end
            via = re.match(r"\s*\(\s*qua\s+([^)]{3,80})\)", window[ag.end:])
            if via:
                name = f"{name} (qua {via.group(1).strip()})"
                end = ag.end + via.end()
            return Found(name, rep.end() + ag.start, rep.end() + end)
    return None


_DIGIT_WORDS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9, "mười": 10}


def counts(text: str, noun: str, required: int | None = None) -> list[Found]:
    """"07 nhóm nhiệm vụ", "6 nội dung", "ba đột phá", "3.321 xã, phường": a number directly before the counted
    (folded) noun; with ``required``, only its first ``required`` syllables must follow the number, the rest are
    taken as far as the text repeats them ("06 phòng chuyên môn" for "phong chuyen mon co")."""
    words = noun.split()
    folded = fold(text)
    out: list[Found] = []
    need = len(words) if required is None else min(required, len(words))
    tail = ""  # the optional syllables, nested from the right: "(?:[\s,]+mon(?:[\s,]+co)?)?"
    for w in reversed(words[need:]):
        tail = r"(?:[\s,]+" + re.escape(w) + tail + r")?"
    noun_pattern = r"[\s,]+".join(re.escape(w) for w in words[:need]) + tail
    pattern = r"(?<![\w/.,])(\d{1,3}(?:\.\d{3})*|" + "|".join(fold(w) for w in _DIGIT_WORDS) + r")\s+" + noun_pattern \
        + r"(?!\w)"
    if len(folded) != len(text):
        return out
    for m in re.finditer(pattern, folded):
        end = m.end()
        # keep the noun's complement when it is the usual one ("nhóm" -> "nhóm nhiệm vụ")
        more = re.match(r"\s+(nhiem vu|giai phap|noi dung)(?!\w)", folded[end:])
        if more and len(words) == 1:
            end += more.end()
        out.append(Found(text[m.start():end], m.start(), end))
    return out


def agent_action(question: str) -> str | None:
    """The folded action a question asks the agent of ("giam sat" in "được giám sát bởi ai"), or None."""
    for m in _AGENT_Q.finditer(fold(question)):
        action = (m.group("a") or m.group("b") or "").strip()
        words = action.split()
        # "được giám sát" -> "giam sat"; keep the last two syllables that are not auxiliaries
        while words and _NOT_ACTION.match(words[0]):
            words = words[1:]
        action = " ".join(words)
        if action and not _NOT_ACTION.match(action) and not _PROPOSER_Q.search(fold(question)):
            return action
    return None


# "do cơ quan chủ quản đánh giá": a body named by its function, in lower case (agencies.toml)
_GENERIC_BODY = r"(?:" + "|".join(re.escape(b).replace(r"\ ", r"\s+") for b in vocabulary.generic_bodies()) + r")\s"


def agents(text: str, action: str) -> list[Found]:
    """Who performs ``action`` (folded) in a text: "dưới sự giám sát của Ban Thanh tra nhân dân",
    "do Sở Tư pháp thẩm định", "được giám sát bởi …"."""
    folded = fold(text)
    if len(folded) != len(text):
        return []
    act = r"\s+".join(re.escape(w) for w in action.split())
    out: list[Found] = []
    for m in re.finditer(r"(?:su|duoc|bi)\s+" + act + r"\s+(?:cua|boi)\s+", folded):
        name = re.match(r"[A-ZĐÀ-Ỹ][^.;:\n(]{2,120}", text[m.end():])
        if name:
            out.append(Found(name.group(0).strip(" ,"), m.end(), m.end() + len(name.group(0).rstrip(" ,"))))
    for m in re.finditer(r"\bdo\s+(?=[A-ZĐÚỦƯ]|(?P<generic>" + _GENERIC_BODY + "))", text):
        window = text[m.end(): m.end() + 140]
        at = re.search(r"\s" + act + r"(?!\w)", fold(window))
        # a body named by its function is a short phrase of its own: "do cơ quan chủ quản đánh giá"
        stops = r"[.;:,]" if m.group("generic") else r"[.;:]"
        if at and not re.search(stops, window[:at.start()]):
            name = window[:at.start()].strip(" ,")
            out.append(Found(name, m.end(), m.end() + len(name)))
    return out


def partners(text: str) -> list[Found]:
    """The agencies a text says the actor works with: "…, phối hợp với Sở Xây dựng, Sở Tài chính …"."""
    out: list[Found] = []
    for m in re.finditer(r"phối\s+hợp\s+(?:chặt chẽ\s+)?(?:với\s+)?", text, re.IGNORECASE):
        stop = _PARTNER_STOP.search(text[m.end():])
        window = text[m.end(): m.end() + (stop.start() if stop else 200)]
        found = [Found(a.text, m.end() + a.start, m.end() + a.end) for a in extract.agencies(window)]
        name = window.strip(" ,")
        if not found and name and len(name) <= 160 and extract.names_organisation(name):
            # bodies the agency list does not name ("Ban Tuyên giáo và Dân vận Tỉnh ủy"): the phrase itself
            found = [Found(name, m.end() + window.find(name), m.end() + window.find(name) + len(name))]
        out += found
    return out


# where the partners named after "phối hợp với" end: punctuation, or the verb of the task they do together
_PARTNER_STOP = re.compile(r"[;.:]|\s(?:để|nhằm|trong việc|trong quá trình|thực hiện|tổ chức|triển khai|tiếp tục|"
                           r"chỉ đạo|hướng dẫn|xây dựng|kiểm tra|theo dõi|tuyên truyền|rà soát|đôn đốc|tham mưu|"
                           r"báo cáo|nghiên cứu|đề xuất|giải quyết|cung cấp|bảo đảm|đảm bảo|khi)\s")


_PHONE = re.compile(r"(?<!\d)(?:\+84|0)(?:[\s.\-]?\d){8,10}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def contacts(text: str) -> list[Found]:
    """Phone numbers and e-mail addresses."""
    return [Found(m.group(0), m.start(), m.end()) for p in (_PHONE, _EMAIL) for m in p.finditer(text)]


# "ai ra quyết định …", "cơ quan nào cấp tài khoản …": the action whose doer is asked (folded, two syllables)
_DOER_Q = re.compile(r"(?:^|[\s,:])(?:ai|co quan nao|don vi nao|cap nao|to chuc nao|bo phan nao|so nao|nguoi nao)"
                     r"\s+(?:se\s+|phai\s+|duoc\s+giao\s+|co\s+tham\s+quyen\s+|co\s+trach\s+nhiem\s+)?"
                     r"(?P<act>[a-z]+(?: [a-z]+)?)")
_DOER_VERB = re.compile(r"\s(?:quyết định|thành lập|ra|giao|phê duyệt|ban hành|có|là|được|bị|cho|gửi|trình|cử)\s")
_NOT_DOER_ACTION = re.compile(r"^(?:la|va|cua|cho|co|duoc|lam|thi|o|tai|trong|theo|ve)\b")


def asked_action(question: str) -> str | None:
    """The folded action a "who does it" question names after its question word, or None."""
    m = _DOER_Q.search(fold(question))
    if not m or _NOT_DOER_ACTION.match(m.group("act")):
        return None
    return m.group("act")


def doer(text: str, action: str) -> Found | None:
    """Who performs ``action`` (folded) in ``text``: the body or office holder named right before it in
    the same clause ("… thì Thủ tướng Chính phủ ra quyết định …", "Cục trưởng quyết định nâng bậc lương")."""
    folded = fold(text)
    if len(folded) != len(text):
        return None
    # one word may come between the action's words: "ai quyết nâng lương" / "Cục trưởng quyết định nâng …"
    act = r"\s+(?:[a-z]+\s+)?".join(re.escape(w) for w in action.split())
    for m in re.finditer(r"(?<![a-z])" + act + r"(?![a-z])", folded):
        if text[m.start()].isupper() and text[:m.start()].rstrip()[-1:].isalpha():
            continue  # "Cục trưởng Cục Quản lý Thi hành án …": the words are part of a name, not the action
        clause_start = max(text.rfind(c, 0, m.start()) for c in (",", ";", ":", "(", "\n")) + 1
        clause = text[clause_start:m.start()]
        thi = re.search(r"\bthì\s", clause)
        if thi:
            clause_start += thi.end()
            clause = clause[thi.end():]
        for at in range(len(clause)):
            if (at == 0 or clause[at - 1] == " ") and extract.names_organisation(clause[at:]):
                name = clause[at:].strip()
                if _PARTNER_STOP.search(f" {name} ") or _DOER_VERB.search(name):
                    break  # another action comes between: the name is not the doer of this one
                if 2 <= len(name) <= 120 and not re.search(r"\b(?:do|được|bị)\s*$", clause[:at]):
                    start = clause_start + at
                    return Found(name, start, start + len(name))
                break
    return None
