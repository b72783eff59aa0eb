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
