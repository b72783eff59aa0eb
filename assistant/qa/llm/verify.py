"""Checks a generated answer against the numbered sources it was given, before anyone sees it.

Pure functions, no model: every ``[n]`` must name a provided source; every number, percentage, date,
document number (số hiệu) and agency name in a sentence must occur in a source that sentence cites.
Sentences that fail are dropped; an answer with nothing cited left, with most of its claims dropped,
that abstains, or that echoes the prompt, is rejected whole so the caller falls back to the
extractive answer. The verdict says which sentences were dropped and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.lexicon import facts as extract
from assistant.lexicon.patterns import DATE_IN_WORDS, STATEMENT_END
from assistant.lexicon.text import fold, nfc

ABSTAIN_FOLDED = "cac tai lieu hien co khong neu"
#: Share of claim-bearing sentences that may be dropped before the whole answer is rejected.
MAX_DROPPED_SHARE = 0.5

_REF = re.compile(r"\[\s*(\d+(?:\s*[,;–-]\s*\d+)*)\s*\]")
_DOC_NUMBER = re.compile(r"(?<![\w/])\d+[a-zA-Z]?(?:/\d{4})?/[A-ZĐ][A-ZĐa-z]*(?:-[A-ZĐ][A-ZĐa-z]*)*")
_DATE_NUM = re.compile(r"(?<![\d/])(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})(?![\d/])")
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")
_PERCENT_AFTER = re.compile(r"^\s*%|^\s*(?:[-–]|đến|tới)\s*\d+(?:[.,]\d+)?\s*%", re.IGNORECASE)
_LIST_MARKER = re.compile(r"^\s*(?:[-+•*]\s+|\d{1,2}[.)]\s+|[a-zđ]\)\s+)")
#: Agency mentions outside the statutory list: the kind of body and its next two words.
_AGENCY_GENERIC = re.compile(
    r"(?<![\wÀ-ỹ])(?:Sở|Bộ|Cục|Chi cục|Ban|Văn phòng|Trung tâm|Thanh tra|Công an|Kho bạc|Đài|Hội đồng)"
    r"\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s+[\wÀ-ỹ]+)?")
#: "[2] Kế hoạch … — II › 1." at the start of a line: the prompt's source list, not an answer.
_SOURCE_HEADING = re.compile(r"^\s*(?:[-+•*]\s*)?\[\s*\d+\s*\]\s*\S")
#: Headings of the answer template: their presence means the model echoed its prompt.
PROMPT_MARKERS = ("NGUỒN:", "CÂU HỎI:", "BẢN NHÁP", "SOURCES:")


@dataclass(frozen=True)
class Source:
    """One numbered source as the model saw it: ``label`` (document, số hiệu, section) and ``text``."""

    n: int
    label: str
    text: str


@dataclass
class Verdict:
    verified: bool
    #: The answer with unsupported sentences removed (empty when rejected).
    text: str
    dropped: list[dict[str, str]] = field(default_factory=list)
    #: Why the whole answer was rejected (None when verified).
    reason: str | None = None
    cited: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Claim:
    kind: str  # number | percent | date | doc_number | agency
    text: str
    key: str


# -- claims ------------------------------------------------------------------------------------------

def citation_refs(text: str) -> list[int]:
    """The source numbers cited in ``text``: ``[1]``, ``[1, 2]``, ``[1-3]``, ``[2][3]``."""
    out: list[int] = []
    for m in _REF.finditer(text):
        for part in re.split(r"\s*[,;]\s*", m.group(1)):
            bounds = [int(x) for x in re.split(r"\s*[–-]\s*", part) if x]
            if len(bounds) == 2 and 0 < bounds[1] - bounds[0] < 20:
                out += list(range(bounds[0], bounds[1] + 1))
            else:
                out += bounds
    return list(dict.fromkeys(out))


def _number_key(raw: str) -> str:
    """One spelling per value: "1.000" and "1000", "85,5" and "85.5", "05" and "5" are the same."""
    text = raw
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        text = text.replace(".", "")
    text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return raw
    return str(int(value)) if value == int(value) else repr(value)


def _date_key(d: str, m: str, y: str) -> str:
    return f"{int(d)}/{int(m)}/{y}"


def claims(sentence: str) -> list[Claim]:
    """The checkable facts of one sentence (citation markers and list numbering are not facts)."""
    text = _LIST_MARKER.sub("", nfc(sentence))
    text = _REF.sub(" ", text).replace("**", "")
    found: list[Claim] = []
    for m in _DOC_NUMBER.finditer(text):
        found.append(Claim("doc_number", m.group(0), fold(m.group(0))))
    text = _DOC_NUMBER.sub(" ", text)
    for pattern in (DATE_IN_WORDS, _DATE_NUM):
        for m in pattern.finditer(text):
            found.append(Claim("date", m.group(0), _date_key(*m.groups())))
        text = pattern.sub(" ", text)
    for m in _NUMBER.finditer(text):
        percent = bool(_PERCENT_AFTER.match(text[m.end():]))
        found.append(Claim("percent" if percent else "number", m.group(0) + ("%" if percent else ""),
                           _number_key(m.group(0))))
    names = [a.text for a in extract.agencies(text)]
    for m in _AGENCY_GENERIC.finditer(text):
        if not any(m.group(0) in n or n in m.group(0) for n in names):
            names.append(m.group(0))
    found += [Claim("agency", n, _agency_key(n)) for n in dict.fromkeys(names)]
    return found


def _agency_key(name: str) -> str:
    key = fold(name)
    key = re.sub(r"\buy ban nhan dan\b", "ubnd", key)
    return re.sub(r"\s+", " ", key).strip()


@dataclass
class _Facts:
    """What a source text supports, in the keys :func:`claims` produces."""

    numbers: set[str]
    percents: set[str]
    dates: set[str]
    folded: str

    @classmethod
    def of(cls, text: str) -> _Facts:
        text = _REF.sub(" ", nfc(text))  # the "1" of a "[1]" marker is not a fact
        folded = _agency_key(text)
        dates = {_date_key(*m.groups()) for p in (DATE_IN_WORDS, _DATE_NUM) for m in p.finditer(text)}
        plain = _DOC_NUMBER.sub(" ", text)
        numbers, percents = set(), set()
        for m in _NUMBER.finditer(plain):
            key = _number_key(m.group(0))
            numbers.add(key)
            if _PERCENT_AFTER.match(plain[m.end():]):
                percents.add(key)
        for d in dates:  # a date's parts also count as numbers ("năm 2025" of "31/12/2025")
            numbers.update(_number_key(x) for x in d.split("/"))
        return cls(numbers, percents, dates, " " + folded + " ")

    def supports(self, claim: Claim) -> bool:
        if claim.kind == "percent":
            return claim.key in self.percents
        if claim.kind == "number":
            return claim.key in self.numbers
        if claim.kind == "date":
            return claim.key in self.dates
        return re.search(r"(?<!\w)" + re.escape(claim.key) + r"(?!\w)", self.folded) is not None


# -- sentences ---------------------------------------------------------------------------------------

def split_answer(text: str) -> list[list[str]]:
    """Paragraphs (lines) of sentences; a sentence made only of markers joins the one before it."""
    paragraphs = []
    for line in nfc(text).replace("\r", "").split("\n"):
        if not line.strip():
            continue
        parts: list[str] = []
        for piece in STATEMENT_END.split(line.strip()):
            if parts and not _REF.sub("", piece).strip(" .;,"):
                parts[-1] = parts[-1] + " " + piece
            elif piece.strip():
                parts.append(piece)
        paragraphs.append(parts)
    return paragraphs


def verify(answer: str, sources: list[Source], *, trusted: str = "") -> Verdict:
    """Check ``answer`` against ``sources``. ``trusted`` is text whose facts need no source of their own
    (the extractive statement, itself made of facts found in the sources, e.g. a count of list items):
    they count for a sentence that cites one of the sources ``trusted`` cites."""
    text = (answer or "").strip()
    if not text:
        return Verdict(False, "", reason="the model returned an empty answer")
    if any(marker in text for marker in PROMPT_MARKERS):
        return Verdict(False, "", reason="the model echoed its prompt")
    if ABSTAIN_FOLDED in fold(text):
        return Verdict(False, "", reason="the model abstained although the sources answer the question")
    facts = {s.n: _Facts.of(s.label + "\n" + s.text) for s in sources}
    trusted_facts = _Facts.of(trusted) if trusted else None
    trusted_refs = set(citation_refs(trusted))
    dropped: list[dict[str, str]] = []  # unsupported statements
    filler: list[dict[str, str]] = []  # removed, but not evidence against the answer
    paragraphs = split_answer(text)
    if paragraphs and not re.search(r"[.!?…:;)\]”\"]\s*$", paragraphs[-1][-1]):
        # cut off by the token limit: the unfinished sentence says nothing reliable
        filler.append({"sentence": paragraphs[-1][-1], "reason": "unfinished sentence"})
        paragraphs[-1] = paragraphs[-1][:-1]
    kept_paragraphs: list[str] = []
    checked = 0  # sentences with a fact or a citation
    cited: list[int] = []
    for paragraph in paragraphs:
        kept: list[str] = []
        for i, sentence in enumerate(paragraph):
            if _SOURCE_HEADING.match(sentence):
                checked += 1
                dropped.append({"sentence": sentence, "reason": "repeats a source heading instead of answering"})
                continue
            refs = citation_refs(sentence)
            sentence_claims = claims(sentence)
            if sentence_claims or refs:
                checked += 1
            reason, refs = _unsupported(sentence_claims, refs, paragraph[i + 1:], facts, trusted_facts, trusted_refs)
            if reason:
                dropped.append({"sentence": sentence, "reason": reason})
                continue
            kept.append(sentence)
            cited += [n for n in refs if n not in cited]
        # a paragraph is kept when it cites, or introduces a list ("Cụ thể như sau:")
        if kept and (any(citation_refs(k) for k in kept) or kept[-1].rstrip().endswith(":")):
            kept_paragraphs.append(" ".join(kept))
        elif kept:  # a paragraph citing nothing: filler, or an unsupported aside
            filler += [{"sentence": k, "reason": "cites no source"} for k in kept]
    kept_text = "\n".join(kept_paragraphs)
    unsupported = len(dropped)
    dropped += filler
    if not cited:
        return Verdict(False, "", dropped, reason="no statement cites a provided source")
    if checked and unsupported / checked > MAX_DROPPED_SHARE:
        return Verdict(False, "", dropped, reason=f"{unsupported} of {checked} statements were unsupported")
    return Verdict(True, kept_text, dropped, cited=sorted(cited))


def _unsupported(sentence_claims: list[Claim], refs: list[int], following: list[str], facts: dict[int, _Facts],
                 trusted_facts: _Facts | None, trusted_refs: set[int]) -> tuple[str | None, list[int]]:
    """Why a sentence of the answer is dropped (None: it is supported), and the sources it cites (a
    sentence without a citation borrows the next one of its paragraph). ``facts`` are the provided
    sources' facts by number."""
    bad = [n for n in refs if n not in facts]
    if bad:
        return f"cites [{bad[0]}], which is not a provided source", refs
    if not refs and sentence_claims:
        # "claim. claim [1]." — the citation at the end of a paragraph covers the sentences before it
        later = [citation_refs(s) for s in following]
        refs = next((r for r in later if r), [])
        if not refs or any(n not in facts for n in refs):
            return "states a fact without citing a source", refs
    missing = [c for c in sentence_claims
               if not any(facts[n].supports(c) for n in refs)
               and not (trusted_facts and trusted_refs & set(refs) and trusted_facts.supports(c))]
    if missing:
        where = ", ".join(f"[{n}]" for n in refs)
        return f"{missing[0].kind} “{missing[0].text}” is not in the cited source {where}", refs
    return None, refs
