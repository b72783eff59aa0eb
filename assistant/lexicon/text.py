"""Vietnamese text helpers: Unicode normalisation, diacritic folding, syllable tokens, sentences.

Vietnamese is written in syllables separated by spaces, so syllables (and adjacent-syllable pairs,
which approximate words such as "tài chính") are the natural unit for lexical matching.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from assistant.lexicon.patterns import SENTENCE_END

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u00ad"), None)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_WORD = re.compile(r"\w+", re.UNICODE)


def nfc(text: str) -> str:
    """NFC with zero-width characters removed and exotic spaces made plain."""
    text = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH)
    return _SPACES.sub(" ", text)


def squash(text: str) -> str:
    """Collapse whitespace (and table bars) for robust containment checks."""
    return re.sub(r"[\s|]+", " ", nfc(text)).strip()


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d" if ch == "đ" else "D"
    decomposed = unicodedata.normalize("NFD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def strip_diacritics(text: str) -> str:
    """"Sở Tài chính" -> "So Tai chinh" (đ -> d); used to match questions typed without accents."""
    return "".join(_fold_char(c) for c in text)


def fold(text: str) -> str:
    """Lower-case, diacritic-free form for accent-insensitive comparison."""
    return strip_diacritics(nfc(text)).lower()


def syllables(text: str) -> list[str]:
    """Lower-cased syllables (word characters), diacritics kept."""
    return _WORD.findall(nfc(text).lower())


def has_diacritics(text: str) -> bool:
    return strip_diacritics(text) != text




def split_sentences(text: str) -> list[str]:
    """Split at sentence ends (and before list items) without losing characters.

    The pieces concatenated with single spaces give back the input (modulo whitespace).
    """
    parts = [p for p in SENTENCE_END.split(text) if p and p.strip()]
    return parts or [text]
