"""What a (part of a) question asks, as the answerer needs it: :class:`Asked`, read once per question
part from its :class:`~assistant.qa.analyse.QueryAnalysis`, never per candidate sentence.

The query analysis says the intent, places, years and roles; answering also needs finer readings of
the question's frame: which kind of number ("thứ hạng", "phần trăm", "bao nhiêu tiền"), whether it
asks for a person, for how things are now, for the thing a number measures ("bao nhiêu phần trăm hồ
sơ …"), and which words say what it is about (:func:`content_terms`). They are pure functions of the
analysis, so they are computed here once and passed to every scoring and composing step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.lexicon import facts as extract
from assistant.lexicon import relations
from assistant.lexicon.gazetteer import canonical_terms, place_mentions
from assistant.lexicon.text import fold
from assistant.lexicon.vocabulary import stopwords
from assistant.qa.analyse import QueryAnalysis, detect_intent, detect_roles, translate_terms
from assistant.qa.answer.corpus import tokens

# Folded phrases and words that say what kind of question it is rather than what it is about.
_FRAME_PHRASES = [
    "bao nhieu", "chi tieu", "muc tieu", "chu tri", "phoi hop", "thuong truc", "tham muu", "phu trach",
    "chiu trach nhiem", "co quan nao", "don vi nao", "so nao", "ke hoach", "quyet dinh", "de an", "thoi han",
    "xep hang", "thu hang", "ty le", "phan tram", "toi thieu", "la gi", "nhu the nao", "the nao", "khi nao",
    "bao gio", "cho em hoi", "minh muon biet", "cu the", "hien nay", "duoc giao", "dinh nghia", "nghia la",
    "bao gom", "liet ke", "so sanh", "khac nhau", "la ai", "co phai", "phai khong", "dung khong", "it nhat",
    "giai doan", "dinh huong", "phan dau", "dat ra", "de ra", "mam muon", "cho minh hoi",
    "bao lau", "nghi dinh", "chi thi", "thong tu", "nghi quyet", "quy dinh",
]
# Folded single syllables that are function words in every reading (not "thể"/"the", "đó"/"do", "tổ"/"to");
# stopwords.toml.
_FRAME_WORDS = stopwords("answer", "frame_words")
# abbreviations too general to pin a passage down as "the indicator asked about"
_GENERAL_ABBREVIATIONS = {"cchc", "ubnd", "tthc", "hdnd", "kh", "qd"}


def content_terms(analysis: QueryAnalysis) -> list[str]:
    """The folded syllables that say what the question is about (frame words and places removed)."""
    source = " ".join(analysis.expansions) if analysis.english else analysis.question
    place = place_tokens(analysis, source)
    text = " ".join(tokens(source))
    for phrase in _FRAME_PHRASES:
        text = re.sub(rf"(?<!\w){phrase}(?!\w)", " | ", text)
    years = {str(y) for y in analysis.years}
    terms = [t for t in text.split() if t != "|" and t not in _FRAME_WORDS and t not in place and t not in years
             and not (t.isdigit() and len(t) > 2) and not _names_document_number(t, analysis)]
    return list(dict.fromkeys(terms))


#: Intents whose answer may be the negation itself ("có được … không?" -> "không thực hiện …").
POLAR_INTENTS = frozenset({"yes_no", "general"})
#: Words that put the words after them out of scope ("không giữ chức vụ", "chưa đủ 06 tháng") ...
NEGATIONS = frozenset({"khong", "chua", "tru"})
#: ... and word pairs that do the same ("thay vì tự đầu tư": instead of, so not).
_NEGATING_PAIRS = frozenset({("thay", "vi")})
#: ... unless they bound a quantity or intensify ("không quá 90 ngày", "không ngừng nâng cao") ...
_NOT_NEGATING = frozenset({"qua", "duoi", "it", "vuot", "chi", "ngung", "nhung", "thap", "cao", "hon"})
#: ... over this many words after them, within one clause ("không giữ chức vụ lãnh đạo, quản lý").
_SCOPE = 6
_CLAUSE_END = re.compile(r"[.;:!?\n]")


def _pairs(text: str) -> list[tuple[tuple[str, str], bool]]:
    """Adjacent folded words of ``text``, each with whether a negation governs it."""
    out = []
    for part in _CLAUSE_END.split(text):
        said = tokens(part)
        scope = -1
        for i, (a, b) in enumerate(zip(said, said[1:], strict=False)):
            if (a in NEGATIONS and b not in _NOT_NEGATING) or (a, b) in _NEGATING_PAIRS:
                scope = i + _SCOPE
            out.append(((a, b), a not in NEGATIONS and (a, b) not in _NEGATING_PAIRS and i <= scope))
    return out


# a yes/no question's predicate: what follows its last "có (được|phải|bị) …" (or "được / phải / bị …") up to
# "không" ("bị kỷ luật … thì có được xếp loại … không?": the condition comes first)
_PREDICATE = re.compile(r"^.*\b(?:co(?!\s+quan\b)(?:\s+(?:duoc|phai|bi|can))?|duoc|phai|bi)\s+(?P<p>.+?)\s+"
                        r"(?:khong|chua|hay khong)\b(?:\s*,[^,]{0,60})?[\s?.]*(?:\(.*\))?[\s?.]*$")


def denies(analysis: QueryAnalysis, sentence: str) -> bool:
    """Does ``sentence`` answer a yes/no question "no": does it say the question's predicate ("có được
    quyết định kỷ luật buộc thôi việc … không?") only under a negation ("…, trừ hình thức buộc thôi
    việc"; "thì chưa xem xét xử lý kỷ luật"; "khuyến khích thuê thay vì tự đầu tư")? A question that
    negates its own predicate is left alone: its "no" is not the text's "không"."""
    asked = fold(analysis.focus or analysis.question).strip()
    m = _PREDICATE.search(asked)
    if not m or NEGATIONS & set(tokens(m.group("p"))):
        return False
    free, negated = _said(_affirmed(m.group("p"), set(content_terms(analysis))), sentence)
    # most of what it says of the predicate is negated: "xác nhận không thuộc diện cấp giấy phép lao động;
    # cấp, cấp lại … giấy phép lao động" says the predicate too, and is no "no"
    return len(negated) > len(free)


def affirmed_pairs(analysis: QueryAnalysis) -> frozenset[tuple[str, str]]:
    """The question's adjacent content words not under a negation of its own."""
    return _affirmed(analysis.focus or analysis.question, set(content_terms(analysis)))


def _affirmed(text: str, content: set[str]) -> frozenset[tuple[str, str]]:
    """The adjacent words of ``text`` that are both content words and not under a negation (nor one)."""
    return frozenset(pair for pair, negated in _pairs(text)
                     if not negated and pair[0] in content and pair[1] in content and pair not in _NEGATING_PAIRS)


def _said(pairs: frozenset[tuple[str, str]], text: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """Which of ``pairs`` ``text`` says freely, and which only under a negation."""
    free: set[tuple[str, str]] = set()
    negated: set[tuple[str, str]] = set()
    for pair, under in _pairs(text):
        if pair in pairs:
            (negated if under else free).add(pair)
    return free, negated - free


def negated_only(pairs: frozenset[tuple[str, str]], text: str) -> bool:
    """Does ``text`` say one of ``pairs`` only under a negation ("không giữ chức vụ lãnh đạo, quản lý")?"""
    return bool(_said(pairs, text)[1])


def _names_document_number(term: str, analysis: QueryAnalysis) -> bool:
    """"nq78", "qd2843": a document's number typed glued to its kind names the document, like "78" alone."""
    m = _GLUED_NUMBER.fullmatch(term)
    return bool(m) and (m.group(1).lstrip("0") or "0") in analysis.doc_numbers


_GLUED_NUMBER = re.compile(r"[a-z]{1,4}(\d+)")


def place_tokens(analysis: QueryAnalysis, text: str | None = None) -> set[str]:
    """The folded syllables that name the question's places: the provinces found and the words that named
    them ("tp", "hcm" of "TP.HCM")."""
    return set(tokens(" ".join([*analysis.provinces, *place_mentions(text or analysis.question)])))


def part_analysis(analysis: QueryAnalysis, part: str) -> QueryAnalysis:
    """The analysis of one clause of a multi-part question: its own intent, roles and relation; the
    whole question's places, documents and years.

    The clause is a different string from the question analysed by the pipeline, so its intent, roles
    and relation are read from it here (they are what makes this part a question of its own)."""
    intent = detect_intent(part)
    if intent == "general":
        intent = analysis.intent
    return replace(analysis, intent=intent, sub_intent=intent, focus=part,
                   roles=detect_roles(part) or analysis.roles,
                   relation=relations.relation_of(part, analysis.question))


def part_terms(part: str, sub: QueryAnalysis) -> list[str]:
    """The content words of one part of a question (an English part's glossary terms are the part's own:
    the glossary is looked up in the part's text, not the whole question's)."""
    return content_terms(replace(sub, question=part, expansions=translate_terms(part) if sub.english
                                 else sub.expansions))


@dataclass(frozen=True)
class Asked:
    """The finer readings of one (part of a) question, derived once from its analysis."""

    analysis: QueryAnalysis
    #: The intent that says which fact answers: the compared one for a comparison.
    intent: str
    #: What this (part of the) question asks, folded.
    focus: str
    #: money | rank | percent | any (see :func:`target_kind`).
    kind: str
    person: bool
    quantity: bool
    current_state: bool
    #: "ai ký": the signer's name is wanted.
    signer: bool
    #: The head of what a "how much" question measures, if it names it.
    measured: str | None
    #: Quoted terms and abbreviations of the question ("PAPI", "“một cửa”").
    definition_terms: list[str]
    #: "tên tiếng Anh": the English words asked for, not the Vietnamese name.
    english_form: bool
    #: The question names a document by its title ("Kế hoạch nâng cao PAR INDEX …").
    names_document: bool
    #: Index names (PCI, SIPAS, …) a target question is about: a passage must name them.
    anchors: frozenset[str]
    #: For a "count" relation: the counted noun; for an "agent" relation: the action.
    counted_noun: str | None
    agent_action: str | None
    #: "ai ra quyết định …": the action whose doer a who-leads question asks for (folded), if it names one.
    doer_action: str | None = None
    #: "có bao nhiêu phòng chuyên môn": the noun phrase a how-many question counts (folded), if it names one.
    counted_phrase: str | None = None
    #: The tiers of government the question names ("cấp huyện" -> {"huyen"}): a number said of another does not answer.
    tiers: frozenset[str] = frozenset()
    #: Adjacent content words the question says without a negation ("lãnh đạo quản lý"): a passage about
    #: those "không giữ chức vụ lãnh đạo, quản lý" is about the others (yes/no questions excepted).
    affirmed_pairs: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of(cls, analysis: QueryAnalysis) -> Asked:
        focus = analysis.focus_folded
        own = analysis.focus or analysis.question
        terms = extract.definition_terms(analysis.question)
        anchors: set[str] = set()
        if analysis.sub_intent == "target":  # elsewhere an index name tends to name the plan, not what is asked
            anchors = set(tokens(" ".join(t for t in terms if t.isupper() and len(t) <= 12)))
            anchors -= _GENERAL_ABBREVIATIONS | place_tokens(analysis)
            anchors = {a for a in anchors if not _names_document_number(a, analysis)}
        person = asks_person(analysis)
        return cls(
            analysis=analysis, intent=analysis.sub_intent, focus=focus, kind=target_kind(analysis),
            person=person, quantity=asks_quantity(analysis), current_state=asks_current_state(analysis),
            signer=person and bool(re.search(r"\bky\b|sign", focus)), measured=measured_noun(analysis),
            definition_terms=terms, english_form=bool(re.search(r"tieng anh|\benglish\b", focus)),
            names_document=bool(_NAMED_DOCUMENT.search(focus)), anchors=frozenset(anchors),
            counted_noun=relations.counted_noun(own) if analysis.relation == "count" else None,
            agent_action=relations.agent_action(own) if analysis.relation == "agent" else None,
            doer_action=relations.asked_action(own) if analysis.sub_intent == "who_leads" else None,
            counted_phrase=counted_phrase(analysis), tiers=tiers(focus),
            affirmed_pairs=affirmed_pairs(analysis) if analysis.sub_intent not in POLAR_INTENTS else frozenset(),
        )


# "… Kế hoạch nâng cao PAR INDEX …": the question names a document by its title
_NAMED_DOCUMENT = re.compile(r"\b(?:ke hoach|quyet dinh|de an|chi thi|chuong trinh)\s+(?!(?:gi|nao|nay|do|ay|so|cua)\b)"
                             r"[a-z]+(?:\s+[a-z]+){2}")


def target_kind(analysis: QueryAnalysis) -> str:
    """What kind of number the question wants: rank, percent, money, count or any."""
    f = analysis.focus_folded
    if re.search(r"bao nhieu tien|ty dong|trieu dong|nghin dong|kinh phi\b.*\bbao nhieu|bao nhieu\b.*\bkinh phi"
                 r"|phat bao nhieu|how much money|\bbudget\b|\bfunding\b|\bcost\b", f):
        return "money"
    if re.search(r"thu hang|xep hang|xep thu|thu may|\brank", f):
        return "rank"
    if re.search(r"phan tram|%|\bpercent|ty le", f):
        return "percent"
    return "any"


_CURRENT = re.compile(r"^(?:hien|hien nay|hien tai)\b|\bhien (?:nay |tai )?(?:co|dang|la)\b|\bcurrently\b|\bat present\b"
                      r"|\bright now\b|\bhow many\b.*\bare there\b")
_TARGET_FRAME = re.compile(r"muc tieu|chi tieu|phan dau|\bden\b|\btoi\b|\btruoc\b|ke hoach|de an|giai doan|\bphai\b"
                           r"|\bcan\b|dat ra|de ra|yeu cau|\bmuon\b|\btarget|\bgoal|\bby 20|should|must|\bplan")


def asks_current_state(analysis: QueryAnalysis) -> bool:
    """"Hiện Tuyên Quang có bao nhiêu đơn vị …?": a question about how things are now, not about a target."""
    f = analysis.focus_folded
    return bool(_CURRENT.search(f)) and not _TARGET_FRAME.search(f)


def asks_quantity(analysis: QueryAnalysis) -> bool:
    """Does the question ask for a number (not just mention a target)?"""
    return bool(re.search(r"bao nhieu|\bmay\b|phan tram|%|ty le|muc nao|xep hang|thu hang|thu may|how (?:many|much)"
                          r"|what (?:share|percentage|proportion)|\brank", analysis.focus_folded))


def asks_partner(analysis: QueryAnalysis) -> bool:
    """Does the question ask who supports ("phối hợp") rather than who leads?"""
    return analysis.relation == "partner" or ("phối hợp" in analysis.roles and "chủ trì" not in analysis.roles)


def asks_person(analysis: QueryAnalysis) -> bool:
    """Does the question ask for a person ("ai là Giám đốc …", "người ký")?"""
    f = analysis.focus_folded
    return bool(re.search(r"\bai (?:la|dang la|lam)\s+(?:truong|pho|giam doc|chu tich|bi thu|chanh|thu truong)\b"
                          r"|\bla ai\b.*(giam doc|chu tich|truong|nguoi)|(giam doc|chu tich|nguoi ky|ho ten|ten cua)"
                          r".*\b(la ai|ten gi|la gi)\b|nguoi ky|who (?:is|was) the (?:director|chairman|head)|signed",
                          f))


def kind_matches(kind: str, fact: str) -> bool:
    """Is ``fact`` (a target's value) the kind of number asked?"""
    if kind == "rank":
        return bool(re.search(r"/\d|nhóm|tốp|top|hạng", fact, re.IGNORECASE))
    if kind == "percent":
        return "%" in fact
    return True


# "bao nhiêu phần trăm hồ sơ …", "tỷ lệ người dân …", "giảm bao nhiêu đơn vị …": the thing measured
_MEASURED = re.compile(r"(?:bao nhieu|ty le)\s+(?:(?:phan tram|%)\s+)?(?:(?:so|so luong)\s+)?([a-z]+(?: [a-z]+){1,3})")
_NOT_MEASURED = re.compile(r"^(?:phan tram|%|duoc|la|dat|cua|o|tai|trong|den|phai|se|can|toi|nam|the|vay|nhi|a"
                           r"|hien|so|muc|chi)\b")


def measured_noun(analysis: QueryAnalysis) -> str | None:
    """The head (two folded syllables, or one abbreviation) of what a "how much" question measures."""
    if analysis.english:
        return None
    m = _MEASURED.search(analysis.focus_folded)
    if not m or _NOT_MEASURED.match(m.group(1)):
        return None
    words = m.group(1).split()
    first = canonical_terms(m.group(1)).split()[0]
    # "thủ tục hành chính" → "tthc"; otherwise the first two syllables ("hồ sơ", "đơn vị")
    return first if first != words[0] else " ".join(words[:2])


# "có bao nhiêu phòng chuyên môn", "bao nhiêu tỉnh, thành phố": the noun counted, up to four syllables
_COUNTED = re.compile(r"\bbao nhieu\s+(?:(?:so|so luong)\s+)?([a-z]+(?:,? [a-z]+){0,3})")
_NOT_COUNTED = re.compile(r"^(?:phan tram|ty le|lan|tien|ngay|thang|nam|gio|tuoi|ty|trieu|nghin|dong|km2?|ha|m2"
                          r"|diem|muc|so|la|dat|duoc|cua|o|tai|trong|den|phai|se|can|the|vay|nhi|a|hien|chi|nua)\b")

_PHRASE_ENDS = frozenset("va hoac cua de duoc o tai trong theo cho thuoc la co khong da se can phai".split())


def counted_phrase(analysis: QueryAnalysis) -> str | None:
    """The noun phrase a "bao nhiêu …" question counts (folded, its commas dropped), when it names a thing
    rather than a share, a sum, a time or a multiple: the answer is then a number written before that noun."""
    if analysis.english:
        return None
    m = _COUNTED.search(analysis.focus_folded)
    if not m or _NOT_COUNTED.match(m.group(1)):
        return None
    words = m.group(1).replace(",", "").split()
    ends = [i for i, w in enumerate(words) if i and w in _PHRASE_ENDS]
    return " ".join(words[:ends[0]] if ends else words)


# the tiers of government: "100 tỷ đồng cho mỗi đơn vị cấp tỉnh giảm và 500 triệu đồng cho mỗi đơn vị cấp xã"
_TIER = re.compile(r"\bcap (tinh|huyen|xa)\b")


def tiers(folded: str) -> frozenset[str]:
    """The tiers of government a folded text names ("cấp tỉnh", "cấp huyện", "cấp xã")."""
    return frozenset(_TIER.findall(folded))


def measures(head: str, indicator: str) -> bool:
    """Does the indicator (or clause) measure the noun asked?"""
    folded = fold(indicator)
    return head in folded or head in canonical_terms(folded)


def topic(analysis: QueryAnalysis) -> str:
    """What an abstention says is missing: the answer to the question, in the user's words."""
    q = re.sub(r"[?？!.]+$", "", analysis.question).strip()
    return f"câu trả lời cho câu hỏi “{q}”"


def topic_after_role(question: str) -> str:
    """"ai chủ trì cải cách tài chính công ở Lạng Sơn?" -> "cải cách tài chính công" (the user's own words)."""
    m = re.search(r"(?:chủ trì|phối hợp|phụ trách|tham mưu|chịu trách nhiệm)\s+(?:về\s+|việc\s+)?(.+?)"
                  r"(?:\s+(?:ở|tại|của|theo|trong|cho)\s+.*)?\s*[?.!]*\s*$", question, re.IGNORECASE)
    if not m:
        return ""
    found = m.group(1).strip(" ,")
    return found if 1 <= len(found.split()) <= 10 and not re.search(r"\b(?:nào|gì|ai)\b", found) else ""
