"""Reform areas and indicator families: the vocabulary the commitments explorer groups by.

Nghị quyết 76/NQ-CP organises administrative reform into six areas (thể chế, thủ tục hành chính, tổ
chức bộ máy, chế độ công vụ, tài chính công, chính quyền điện tử/số) and every provincial plan
follows it, usually plus a "chỉ đạo, điều hành" block. Plans also share a national set of
indicators (PAR INDEX, SIPAS, PAPI, PCI, share of online procedures, …): recognising them is what
makes "compare one indicator across provinces" possible.

Matching is done on folded text (no diacritics, lower case) so that "chinh quyen so" and
"chính quyền số" are the same cue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from assistant.lexicon import vocabulary
from assistant.lexicon.text import fold

# areas.toml: code -> label, in the order the explorer lists them
AREAS: Mapping[str, str] = vocabulary.areas()

# Strong cues: the way headings name an area. Checked on section headings, innermost first.
_HEADING_CUES: tuple[tuple[str, str], ...] = vocabulary.area_heading_cues()

# Named composite indices: a target on one of them belongs to no single area.
_COMPOSITE = vocabulary.composite_indices()

# Weaker cues for sentences whose headings name no area; the area with most hits wins.
_TEXT_CUES: Mapping[str, str] = vocabulary.area_text_cues()

# Indicator families shared by plans across provinces (key, label, cue); first match wins, so specific before generic.
INDICATORS: tuple[tuple[str, str, str], ...] = vocabulary.indicators()
INDICATOR_LABELS: dict[str, str] = {key: label for key, label, _ in INDICATORS}
_INDICATOR_PATTERNS = [(key, re.compile(pattern)) for key, _, pattern in INDICATORS]


def area_of(text: str, headings: Iterable[str] = ()) -> str:
    """The reform area of a sentence, from its headings (innermost first) or else its own words.

    Composite indices (PAR INDEX, SIPAS, …) are "chung" wherever they are mentioned: they measure
    the whole reform, not the area whose section happens to list them.
    """
    folded = fold(text)
    if re.search(_COMPOSITE, folded):
        return "chung"
    for heading in headings:
        named = areas_named(heading)
        if named:
            return named[0]
    scores = {area: len(re.findall(cue, folded)) for area, cue in _TEXT_CUES.items()}
    best = max(scores, key=lambda a: scores[a])
    return best if scores[best] else "chung"


def areas_named(text: str) -> list[str]:
    """The reform areas that ``text`` names the way a heading does ("Về cải cách thủ tục hành chính")."""
    folded = fold(text)
    return [area for area, cue in _HEADING_CUES if re.search(cue, folded)]


def indicator_key(indicator: str) -> str | None:
    """The indicator family of a target's indicator phrase, or None if it is specific to one plan."""
    folded = fold(indicator)
    for key, pattern in _INDICATOR_PATTERNS:
        if pattern.search(folded):
            return key
    return None


def area_from_user(value: str) -> str | None:
    """Accept an area code, its label or a few words of it ("tài chính", "tai-chinh-cong")."""
    wanted = fold(value).replace("-", " ").replace("_", " ").strip()
    if not wanted:
        return None
    for code, label in AREAS.items():
        if wanted in {code.replace("_", " "), fold(label)}:
            return code
    hits = [code for code, label in AREAS.items() if wanted in fold(label) or wanted in code.replace("_", " ")]
    return hits[0] if len(hits) == 1 else None


def mentions_indicator(key: str, text: str) -> bool:
    """Whether ``text`` names the indicator family at all (a plan can mention an index without a target)."""
    pattern = dict(_INDICATOR_PATTERNS).get(key)
    return bool(pattern and pattern.search(fold(text)))
