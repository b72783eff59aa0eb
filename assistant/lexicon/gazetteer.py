"""Vietnamese provinces and the domain's abbreviations, for metadata extraction and query analysis."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from assistant.lexicon import vocabulary
from assistant.lexicon.text import fold

# provinces.toml: the province names; abbreviations.toml: abbreviation -> its long forms, used both ways
# (a question using either form matches text using the other)
PROVINCES: tuple[str, ...] = vocabulary.provinces()
ABBREVIATIONS: Mapping[str, tuple[str, ...]] = vocabulary.abbreviations()


@lru_cache(maxsize=1)
def _province_patterns() -> list[tuple[str, re.Pattern[str]]]:
    pats = []
    for name in sorted(PROVINCES, key=len, reverse=True):
        key = re.escape(fold(name)).replace(r"\ \-\ ", r"\s*-?\s*").replace(r"\ ", r"\s+")
        pats.append((name, re.compile(rf"(?<![\w]){key}(?![\w])")))
    return pats


def find_provinces(text: str) -> list[str]:
    """Provinces named in ``text`` (accent-insensitive), in order of first mention."""
    folded = fold(text)
    hits: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for name, pat in _province_patterns():
        for m in pat.finditer(folded):
            if any(a <= m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            hits.append((m.start(), name))
    seen: list[str] = []
    for _, name in sorted(hits):
        if name not in seen:
            seen.append(name)
    return seen


@lru_cache(maxsize=1)
def _alias_patterns() -> list[tuple[str, re.Pattern[str], bool]]:
    """(province, pattern, whether it is matched in folded text) for each short form of a province."""
    out = []
    for name, forms in vocabulary.province_aliases().items():
        for form in forms:
            if len(form) <= 3 and form.isupper():
                out.append((name, re.compile(rf"(?<![\wÀ-ỹ]){re.escape(form)}(?![\wÀ-ỹ])"), False))
            else:
                key = re.escape(fold(form)).replace(r"\ ", r"\s*").replace(r"\.", r"\.?").replace(r"\-", r"\s*-?\s*")
                out.append((name, re.compile(rf"(?<![\w]){key}(?![\w])"), True))
    return out


def _alias_matches(text: str, folded: str) -> list[tuple[re.Match[str], str]]:
    """(match, province) of every short form in ``text``: the upper-case ones as written, the others folded."""
    return [(m, name) for name, pat, on_folded in _alias_patterns() for m in pat.finditer(folded if on_folded else text)]


def find_places(text: str) -> list[str]:
    """Provinces a question names: by name (:func:`find_provinces`) or by a short form people type
    ("TP.HCM", "HN", "BN"; provinces.toml ``aliases``), in order of first mention."""
    hits = [(m.start(), name) for m, name in _alias_matches(text, fold(text))]
    return list(dict.fromkeys(find_provinces(text) + [name for _, name in sorted(hits)]))


# "TP.HCM", "TP Huế": the abbreviation of "thành phố" typed before a place's name belongs to the mention
_CITY_PREFIX = re.compile(r"\btp\.?\s*$")


def place_mentions(text: str) -> list[str]:
    """The words of ``text`` (folded) that say *where*: each province's name or short form as written, with
    a "TP." typed before it ("tp.hcm", "tp hue", "hn"). A question's content words leave them out: the
    place picks the documents, it is not what a passage must say (and "HCM" is rare enough in the corpus
    to outweigh every word of the question)."""
    folded = fold(text)
    spans = [m.span() for _, pat in _province_patterns() for m in pat.finditer(folded)]
    if len(folded) == len(text):  # the short upper-case forms are matched as written
        spans += [m.span() for m, _ in _alias_matches(text, folded)]
    out = []
    for start, end in sorted(spans):
        prefix = _CITY_PREFIX.search(folded[max(0, start - 4):start])
        out.append(folded[start - len(prefix.group(0)) if prefix else start:end])
    return list(dict.fromkeys(out))


def canonical_province(name: str) -> str | None:
    """Map user input ("lang son", "Lạng Sơn") to the canonical province name."""
    found = find_provinces(name)
    return found[0] if found else None


# Everyday words people type for the documents' terms (folded; both sides end up as the same token).
SYNONYMS: Mapping[str, tuple[str, ...]] = vocabulary.synonyms()


@lru_cache(maxsize=1)
def _canonical_patterns() -> list[tuple[re.Pattern[str], str]]:
    pairs = []
    for abbr, longs in ABBREVIATIONS.items():
        for long in longs:
            pairs.append((fold(long), fold(abbr)))
    for canonical, variants in SYNONYMS.items():
        pairs += [(variant, canonical) for variant in variants]
    pairs.sort(key=lambda p: -len(p[0]))
    return [(re.compile(r"(?<!\w)" + re.escape(long).replace(r"\ ", r"\s+").replace(",", ",?") + r"(?!\w)"), abbr)
            for long, abbr in pairs]


def canonical_terms(folded_text: str) -> str:
    """Replace long forms by their abbreviation in folded text, so either spelling matches the other."""
    for pattern, abbr in _canonical_patterns():
        folded_text = pattern.sub(abbr, folded_text)
    return folded_text


@lru_cache(maxsize=1)
def _chat_patterns() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for word, spellings in vocabulary.chat_words().items():
        for spelling in sorted(spellings, key=len, reverse=True):
            guard = r"(?<!bao )" if word == "bao nhiêu" else ""
            out.append((re.compile(rf"{guard}(?<![\wÀ-ỹ/.&-]){re.escape(spelling)}(?![\wÀ-ỹ/.&-])"), word))
    return out


def normalise_chat(text: str) -> str:
    """Chat spellings replaced by the words they stand for ("đc hưởng … ko" -> "được hưởng … không";
    abbreviations.toml ``[chat]``), only where written in lower case, so "K" or "TP" in a name stay."""
    for pattern, word in _chat_patterns():
        text = pattern.sub(word, text)
    return text

