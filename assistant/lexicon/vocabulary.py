"""The domain vocabulary, read once from the TOML files in ``assistant/lexicon/data/``.

Each function reads its file on first use (``functools.cache``) and returns immutable views (tuples,
frozensets, read-only mappings) in the files' order, which is kept wherever it matters (regex
alternation order, "first match wins" lists). The patterns built on these words live in the lexicon
modules (:mod:`.facts`, :mod:`.gazetteer`, :mod:`.areas`); later stages import them from there.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import Any


@cache
def _load(name: str) -> Mapping[str, Any]:
    with files("assistant.lexicon").joinpath("data", f"{name}.toml").open("rb") as fh:
        return MappingProxyType(tomllib.load(fh))


def _frozen_map(table: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(table))


# --- roles ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Role:
    vi: str  # "chủ trì"
    folded: str  # "chu tri"
    en: str | None  # English cue (a regex on the question), if the question analysis knows one
    pattern: str  # the verb as a regex in commitments extraction (usually the escaped vi form)


@cache
def roles() -> tuple[Role, ...]:
    """Every role verb, in the order of ``lexicon.facts.ROLE_WORDS``."""
    return tuple(Role(r["vi"], r["folded"], r.get("en"), r.get("pattern", r["vi"])) for r in _load("roles")["role"])


@cache
def role_list(name: str) -> tuple[str, ...]:
    """A named subset of the role verbs ("sentence_facts", "commitments", "question"), in its own order."""
    known = {r.vi for r in roles()}
    words = tuple(_load("roles")["lists"][name])
    assert set(words) <= known, f"roles.toml: list {name!r} names an unknown role"
    return words


def role(vi: str) -> Role:
    return next(r for r in roles() if r.vi == vi)


# --- stopwords -----------------------------------------------------------------------------------

@cache
def stopwords(group: str, name: str) -> frozenset[str]:
    """A named stopword list, e.g. ``stopwords("highlight", "accented")``."""
    return frozenset(_load("stopwords")[group][name].split())


# --- gazetteer -----------------------------------------------------------------------------------

@cache
def provinces() -> tuple[str, ...]:
    return tuple(_load("provinces")["names"])


@cache
def province_aliases() -> Mapping[str, tuple[str, ...]]:
    """Province -> the short forms people type for it in questions."""
    return _frozen_map({k: tuple(v) for k, v in _load("provinces").get("aliases", {}).items()})


@cache
def abbreviations() -> Mapping[str, tuple[str, ...]]:
    """Abbreviation -> its long forms, in file order."""
    return _frozen_map({k: tuple(v) for k, v in _load("abbreviations")["abbreviations"].items()})


@cache
def chat_words() -> Mapping[str, tuple[str, ...]]:
    """Word -> the chat spellings people type for it ("ko", "đc", "bn")."""
    return _frozen_map({k: tuple(v) for k, v in _load("abbreviations").get("chat", {}).items()})


@cache
def synonyms() -> Mapping[str, tuple[str, ...]]:
    """Folded document term -> the everyday (folded) words people type for it."""
    return _frozen_map({k: tuple(v) for k, v in _load("abbreviations")["synonyms"].items()})


@cache
def departments() -> tuple[str, ...]:
    return tuple(_load("agencies")["departments"])


@cache
def ministries() -> tuple[str, ...]:
    return tuple(_load("agencies")["ministries"])


@cache
def name_like_organisations() -> tuple[str, ...]:
    return tuple(_load("agencies")["name_like_organisations"])


@cache
def table_columns() -> Mapping[str, tuple[str, ...]]:
    """columns.toml: the folded header words of each kind of table column."""
    return {k: tuple(v) for k, v in _load("columns").items()}


@cache
def organisation_heads() -> tuple[str, ...]:
    return tuple(_load("agencies")["organisation_heads"])


@cache
def generic_bodies() -> tuple[str, ...]:
    return tuple(_load("agencies")["generic_bodies"])


@cache
def department_abbreviations() -> Mapping[str, str]:
    return _frozen_map(_load("agencies")["department_abbreviations"])


# --- reform areas --------------------------------------------------------------------------------

@cache
def areas() -> Mapping[str, str]:
    return _frozen_map(_load("areas")["areas"])


@cache
def area_heading_cues() -> tuple[tuple[str, str], ...]:
    return tuple((area, cue) for area, cue in _load("areas")["heading_cues"])


@cache
def area_text_cues() -> Mapping[str, str]:
    return _frozen_map(_load("areas")["text_cues"])


@cache
def composite_indices() -> str:
    return str(_load("areas")["composite"])


@cache
def indicators() -> tuple[tuple[str, str, str], ...]:
    return tuple((key, label, cue) for key, label, cue in _load("areas")["indicators"])


# --- English glossary ----------------------------------------------------------------------------

@cache
def glossary() -> tuple[tuple[str, str], ...]:
    """(English regex, Vietnamese) pairs in the order they are tried."""
    return tuple((term["en"], term["vi"]) for term in _load("glossary")["term"])
