"""Query understanding: what is asked, about which province or document, in which language.

Everything here is a pure function of the question (and, for document references, of the list of
indexed documents), so it is cheap and easy to test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.lexicon import vocabulary
from assistant.lexicon.gazetteer import ABBREVIATIONS, find_places, normalise_chat
from assistant.lexicon.relations import DOC_DATE_Q, relation_of
from assistant.lexicon.text import fold, has_diacritics, nfc

# English -> Vietnamese domain glossary (lexicon/data/glossary.toml), so English questions meet
# Vietnamese text in BM25 too.
GLOSSARY: tuple[tuple[str, str], ...] = vocabulary.glossary()
_GLOSSARY = [(re.compile(rf"\b(?:{pat})\b", re.IGNORECASE), vi) for pat, vi in GLOSSARY]
_ENGLISH_WORDS = re.compile(
    r"\b(the|what|who|which|when|how|is|are|does|do|of|in|for|by|and|target|plan|reform|province|leads?|must"
    r"|should|will|can|shall|with|from|at|on|be|has|have|their|its|this|that|there|any|many|much)\b",
    re.IGNORECASE,
)

# (intent, folded patterns). Checked in order; the first match wins. Strong cues (question words)
# come before weak ones (role or target vocabulary that may also just be the topic).
#: "bao lâu", "mấy ngày", "how long": a length of time, not a date
DURATION_Q = re.compile(r"bao lau|how long|(?:bao nhieu|may)\s+(?:ngay|thang|nam|gio)\b(?!\s*\d)")

_INTENTS: list[tuple[str, re.Pattern[str]]] = [
    ("comparison", re.compile(r"so sanh|khac nhau|giong nhau|tinh nao|dia phuong nao|\bcompar|\bdiffer|which province"
                              r"|\bca hai\b|\bboth\b")),
    ("definition", re.compile(r"\bla gi\b.*$(?<!bao nhieu la gi)|nghia la|viet tat|\bwhat (?:is|does) (?:the )?"
                              r"(?:par index|sipas|papi|pci|lgsp)|stand for|\bdefin|\bla chi so gi\b|duoc hieu"
                              r"|ten (?:day du|tieng viet)|goi day du")),
    # "gồm những đơn vị nào": the members of a list, not the one body that leads
    ("list", re.compile(r"\b(?:bao )?gom nhung\b")),
    ("who_leads", re.compile(r"\bai\b|co quan nao|don vi nao|(?<!chi )(?<!mang )(?<!ky hieu )\bso nao\b|\bwho\b|\bwhom\b"
                             r"|which (?:agency|department|body|office|unit|authority)|\bdo ai\b|\bboi ai\b")),
    ("yes_no", re.compile(r"\bco\b.*\bkhong\b\s*(?:a|vay|nhi)?\s*\??$|phai khong|dung khong|\bchua\b\s*\??$"
                          r"|^(?:is|are|does|do|did|has|have|will|can)\b")),
    ("deadline", re.compile(r"khi nao|bao gio|thoi han|han chot|nam nao|giai doan nao|thoi gian nao|ngay nao"
                            r"|\bwhen\b|deadline|what year|which year|what period|timeline|thoi ky nao|dinh ky"
                            r"|" + DURATION_Q.pattern + "|" + DOC_DATE_Q.pattern)),
    ("list", re.compile(r"gom nhung|bao gom|nhung (?:nhom|nhiem vu|giai phap|linh vuc|noi dung|muc tieu|chi tieu|chi so"
                        r"|van ban|nghi quyet|gi)|cac nhom|liet ke|may nhom|nhom nhiem vu|nhom giai phap|\bwhat are\b"
                        r"|\blist\b|which tasks|which (?:indices|areas|groups)|\bnhung\b.*\bnao\b")),
    ("target", re.compile(r"bao nhieu|phan tram|ty le|xep hang|thu hang|thu may|muc nao|\bhow (?:many|much)"
                          r"|percent|what share|what proportion|\btarget|\brank|%")),
    ("who_leads", re.compile(r"phu trach|chu tri|phoi hop|thuong truc|tham muu|chiu trach nhiem|responsib|in charge"
                             r"|\blead|coordinat|standing")),
    ("target", re.compile(r"chi tieu|muc tieu|\bdat\b|muc do hai long|toi thieu|\bgoal|\bshare\b|\brate\b|\bratio\b")),
]

# the roles a question can ask for (roles.toml): each by its folded form, or by its English cue
_QUESTION_ROLES = [vocabulary.role(vi) for vi in vocabulary.role_list("question")]
ROLES = {r.vi: r.folded for r in _QUESTION_ROLES}
_ROLE_EN = {r.vi: r.en for r in _QUESTION_ROLES if r.en}

_DOC_REF = re.compile(
    r"(?:kế hoạch|ke hoach|quyết định|quyet dinh|chỉ thị|chi thi|nghị định|nghi dinh|nghị quyết|nghi quyet|thông tư"
    r"|thong tu|công văn|cong van|thông báo|thong bao|plan|decision|resolution|decree|circular|kh|qđ|qd|nq|số|so)"
    r"\s*(?:số|so|no\.?)?\s*(\d{2,5})(?:/[\w\-]+)?|\b(\d{2,5})/(?:\d{4}/)?[A-ZĐa-zđ]{2,}[\-\w]*",
    re.IGNORECASE,
)
# a choice between the documents a question names: "văn bản nào … trước", "… nhiều hơn", "lần lượt"
_CHOICE = re.compile(r"\b(?:van ban|ke hoach|quyet dinh|nghi quyet|nghi dinh|thong tu|cong van|thong bao|cai) nao\b"
                     r"|\b(?:som|muon|nhieu|it|dai|ngan|cao|thap) hon\b|\blan luot\b|\bwhich (?:one|document)\b")
# a year, not the year part of a document number ("Nghị định 170/2025", "25/2025/NĐ-CP") or a date
_YEAR = re.compile(r"(?<![/.\d])\b(20[1-4]\d)\b(?!/\w)")


@dataclass
class QueryAnalysis:
    question: str
    intent: str
    provinces: list[str] = field(default_factory=list)
    doc_numbers: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    english: bool = False
    no_diacritics: bool = False
    expansions: list[str] = field(default_factory=list)
    #: For comparisons: what is compared (target, who_leads, deadline, …).
    sub_intent: str = "general"
    #: A relation the question asks for beyond the basic intents (see :mod:`assistant.lexicon.relations`).
    relation: str | None = None
    #: For one part of a multi-part question: the clause that says what this part asks
    #: (the whole question still says what it is about).
    focus: str = ""

    @property
    def folded(self) -> str:
        return fold(self.question)

    @property
    def focus_folded(self) -> str:
        """What this (part of the) question asks, folded: the focus clause, else the whole question."""
        return fold(self.focus or self.question)


def is_english(question: str) -> bool:
    """English words dominate (Vietnamese place names inside an English question are fine)."""
    words = question.split()
    accented = sum(1 for w in words if has_diacritics(w))
    if len(words) < 3 or accented > len(words) // 2:
        return False
    # two English function words, or an English question word first ("Who signed Decision 534/QĐ-UBND?")
    return len(_ENGLISH_WORDS.findall(question)) >= 2 or bool(
        re.match(r"(?:who|what|which|when|how|where|why)\b", question, re.IGNORECASE) and accented <= 1)


def translate_terms(question: str) -> list[str]:
    """Vietnamese domain terms for an English question (glossary lookup, longest patterns first)."""
    terms: list[str] = []
    rest = question
    for pattern, vi in _GLOSSARY:
        if pattern.search(rest):
            terms.append(vi)
            rest = pattern.sub(" ", rest)
    return terms


def expand_abbreviations(question: str) -> list[str]:
    """Both directions: "CCHC" -> "cải cách hành chính" and "thủ tục hành chính" -> "TTHC"."""
    out: list[str] = []
    folded = fold(question)
    for abbr, longs in ABBREVIATIONS.items():
        if re.search(rf"(?<!\w){re.escape(fold(abbr))}(?!\w)", folded):
            out += longs
        for long in longs:
            if fold(long) in folded:
                out.append(abbr)
    from assistant.lexicon.gazetteer import SYNONYMS

    for canonical, variants in SYNONYMS.items():  # "online" also searches "trực tuyến"
        if any(re.search(rf"(?<!\w){re.escape(v)}(?!\w)", folded) for v in variants):
            out.append(canonical)
    return list(dict.fromkeys(out))


def _is_definition(question: str, folded: str) -> bool:
    """"X là gì" asks for a definition only when X is a term (an abbreviation or a quoted name),
    not for "Chỉ tiêu … là gì" (a target) or "Nhiệm vụ … là gì" (a list)."""
    if re.search(r"nghia la|viet tat|duoc hieu|stand for|ten (?:day du|tieng viet)|goi day du|\bdefin", folded):
        return True
    from assistant.lexicon.facts import definition_terms

    m = re.search(r"\bla gi\b|\bwhat is\b|\bwhat are\b|\bthe nao (?:duoc goi |duoc coi )?la\b|\bduoc goi la\b", folded)
    if not m:
        return False
    before = folded[: m.start()]
    if re.search(r"chi tieu|muc tieu|nhiem vu|giai phap|trong tam|noi dung|ket qua|\btarget|\bgoal", before):
        return False
    own = fold(question)  # the terms as typed ("chuyển đổi AI", before "AI" is read as a word)
    return any(fold(t) in own for t in definition_terms(question))


# an English question that begins (after "Under/According to <document>,") by asking when
_ASKS_WHEN = re.compile(r"^(?:(?:under|according to|in|per|as per|based on)\b[^,?]*,\s*)?(?:by\s+)?(?:when|how long)\b")


def detect_intent(question: str) -> str:
    # "ứng dụng AI" is artificial intelligence, not the pronoun "ai" (who)
    text = re.sub(r"\bAI\b", "trí tuệ nhân tạo", question)
    # folding merges "sở nào" (which department) and "số nào" ("xã hội số nào": digital, or a number):
    # with accents written, only "sở" asks for a body
    text = re.sub(r"\b([Ss]ố) nào\b", r"\1-nào", text)
    folded = fold(text).strip()
    if re.search(r"\bnhung ai\b|\bcac ai\b", folded):
        return "list"  # "những ai" asks for the parties involved, not for one lead agency
    if _ASKS_WHEN.match(folded):
        return "deadline"  # "Under Decree 172, when can a civil servant who was dismissed …": "who" is relative
    for intent, pattern in _INTENTS:
        if intent == "definition":
            if _is_definition(question, folded):
                return intent
            continue
        if pattern.search(folded):
            return intent
    return "general"


def detect_roles(question: str) -> list[str]:
    folded = fold(question)
    roles = [vi for vi, f in ROLES.items() if f in folded]
    roles += [vi for vi, pat in _ROLE_EN.items() if re.search(pat, question, re.IGNORECASE) and vi not in roles]
    return roles


def doc_numbers(question: str) -> list[str]:
    nums = []
    for m in _DOC_REF.finditer(question):
        num = m.group(1) or m.group(2)
        if num and not _YEAR.fullmatch(num):
            nums.append(num.lstrip("0") or "0")
    return list(dict.fromkeys(nums))


def analyse(question: str) -> QueryAnalysis:
    typed = nfc(question).strip()
    english = is_english(typed)
    q = typed if english else normalise_chat(typed)  # "có đc hưởng ko" is read as "có được hưởng không"
    intent = detect_intent(q)
    provinces = find_places(q)
    numbers = doc_numbers(q)
    if intent != "comparison" and len(provinces) >= 2 and re.search(r"\bva\b|\band\b|,", fold(q)):
        intent = "comparison"
    elif intent != "comparison" and len(numbers) >= 2 and _CHOICE.search(fold(q)):
        intent = "comparison"  # "Nghị định 172 và Thông tư 23, văn bản nào ban hành trước?"
    expansions = expand_abbreviations(q)
    if english:
        expansions = translate_terms(q) + expansions
    sub_intent = intent
    if intent == "comparison":
        stripped = _INTENTS[0][1].sub(" ", fold(q))
        sub_intent = next((name for name, pat in _INTENTS[1:] if pat.search(stripped) and name != "yes_no"),
                          "general")
    return QueryAnalysis(
        question=q,
        intent=intent,
        sub_intent=sub_intent,
        provinces=provinces,
        doc_numbers=numbers,
        years=[int(y) for y in _YEAR.findall(q)],
        roles=detect_roles(q),
        english=english,
        no_diacritics=not english and not has_diacritics(typed) and bool(re.search(r"[a-zA-Z]{2,}", typed)),
        expansions=expansions,
        relation=relation_of(q),
    )


_FOLLOW_UP = re.compile(r"^(?:còn|thế còn|vậy còn|con|the con|vay con|what about|and|how about)\b|thì sao\??$|thi sao\??$"
                        r"|th[eế] nào\??$", re.IGNORECASE)


# a follow-up's first word ("Còn …", "Vậy …", "Cụ thể …") and, with accents written, a word pointing back
# ("các chức năng đó", "văn bản này"); without accents "do" is also "by", so only the forms above count
_LEAD_CUE = re.compile(r"^(?:còn|thế còn|vậy còn|vậy|thế|cụ thể|con|vay con|the con|vay|cu the)\b", re.IGNORECASE)
_POINTING = re.compile(r"(?<![\wÀ-ỹ])(?:đó|này|ấy|nói trên)(?![\wÀ-ỹ])")
_DEMONSTRATIVE = re.compile(r"\b(?:nay|do|ay|tren|it|that|this|these|those|its)\b\s*\??$|\b(?:van ban|ke hoach|quyet dinh"
                            r"|de an|co quan|don vi|tinh|chi so|so) (?:nay|do|ay|tren)\b")


def contextualise(question: str, history: list[str] | None) -> str:
    """Rewrite a follow-up ("còn Quảng Ngãi thì sao?") into a full question using the previous one.

    The previous question's province (or document number) is replaced by the one in the follow-up;
    a follow-up that names no place keeps the previous question's place and adds its own words.
    """
    q = nfc(question).strip()
    if not history:
        return q
    previous = nfc(history[-1]).strip()
    if _DEMONSTRATIVE.search(fold(q)) and not find_places(q) and not doc_numbers(q):
        # "Ai ký văn bản đó?": carry the previous question's document and province over
        entities = [m.group(0).strip() for m in _DOC_REF.finditer(previous)] + find_places(previous)
        if entities:
            stem = re.sub(r"[?？]\s*$", "", q)
            return f"{stem} ({', '.join(dict.fromkeys(entities))})?"
        return q
    short = len(q.split()) <= 8
    if not (short and (_FOLLOW_UP.search(q) or len(q.split()) <= 4)):
        if (_LEAD_CUE.match(q) or _POINTING.search(q.lower())) and not find_places(q) and not doc_numbers(q):
            # a longer follow-up ("Còn báo cáo định kỳ thì Sở gửi những cơ quan nào?", "Cụ thể các chức năng
            # đó gồm những gì?"): its own words, in the previous question's document and province
            entities = [m.group(0).strip() for m in _DOC_REF.finditer(previous)] + find_places(previous)
            if entities:
                stem = re.sub(r"[?？]\s*$", "", q)
                return f"{stem} ({', '.join(dict.fromkeys(entities))})?"
        return q
    new_places = find_places(q)
    old_places = find_places(previous)
    rewritten = previous
    if new_places:
        folded_prev = fold(previous)
        for old in old_places:
            m = re.search(re.escape(fold(old)), folded_prev)
            if m:
                rewritten = rewritten[: m.start()] + new_places[0] + rewritten[m.end():]
                folded_prev = fold(rewritten)
                break
        else:
            rewritten = re.sub(r"[?？]\s*$", "", rewritten) + f" ở {new_places[0]}?"
        return rewritten
    extra = re.sub(r"^(?:còn|thế còn|vậy còn)\s+|\s*thì sao\??$", "", q, flags=re.IGNORECASE).strip(" ?")
    stem = re.sub(r"[?？]\s*$", "", previous)
    return f"{stem} – {extra}?" if extra else previous


def query_text(analysis: QueryAnalysis) -> str:
    """The question as the embedding model reads it: with its glossary expansions (the Vietnamese terms of
    an English question), so one multilingual vector carries both."""
    if analysis.expansions:
        return f"{analysis.question} ({'; '.join(analysis.expansions)})"
    return analysis.question
