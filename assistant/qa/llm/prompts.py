"""Versioned prompt files (``prompts/*.md``) and tiktoken context packing for the LLM generator.

Prompts live in files with a small header (``name``, ``version``) so a change to a prompt is a
reviewed, versioned change and the version used is recorded with every generated answer. Sources are
packed into a token budget so a prompt never overflows the model's window: each source keeps its
quoted passage and as much of the surrounding section as its share of the budget allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.core.settings import PROJECT_ROOT

PROMPT_DIR = PROJECT_ROOT / "prompts"
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class PromptError(RuntimeError):
    """A prompt file is missing or malformed; the message names the file and what to fix."""


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    text: str
    path: Path

    @property
    def placeholders(self) -> set[str]:
        return set(_PLACEHOLDER.findall(self.text))

    def render(self, **values: str) -> str:
        """The text with each ``{name}`` replaced; values are inserted verbatim (braces in source text
        are safe, unlike ``str.format``)."""
        missing = self.placeholders - set(values)
        if missing:
            raise PromptError(f"{self.path}: no value given for {sorted(missing)}")
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), self.text)

    @property
    def tag(self) -> str:
        return f"{self.name}@{self.version}"


def _parse(path: Path) -> Prompt:
    raw = path.read_text(encoding="utf-8")
    m = re.match(r"---\n(.*?)\n---\n", raw, re.S)
    if not m:
        raise PromptError(f"{path}: a prompt file starts with a '---' header giving name and version")
    header = dict(line.split(":", 1) for line in m.group(1).splitlines() if ":" in line)
    header = {k.strip(): v.strip() for k, v in header.items()}
    if not header.get("name") or not header.get("version"):
        raise PromptError(f"{path}: the header needs 'name:' and 'version:' lines")
    return Prompt(header["name"], header["version"], raw[m.end():].strip() + "\n", path)


@lru_cache(maxsize=32)
def load_prompt(name: str, lang: str = "vi", directory: Path = PROMPT_DIR) -> Prompt:
    """``prompts/<name>.<lang>.md`` — e.g. ``load_prompt("system")``."""
    path = directory / f"{name}.{lang}.md"
    if not path.is_file():
        raise PromptError(f"prompt file {path} is missing; it ships with the project (prompts/)")
    prompt = _parse(path)
    if prompt.name != name:
        raise PromptError(f"{path}: header says name '{prompt.name}', expected '{name}'")
    return prompt


# -- tokens ------------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _encoding(name: str):  # type: ignore[no-untyped-def]
    import tiktoken

    try:
        return tiktoken.get_encoding(name)
    except Exception as exc:  # unknown name, or the BPE file not seeded
        raise PromptError(f"tiktoken encoding '{name}' is not available offline ({exc}); use cl100k_base or "
                          "o200k_base (seeded by `python -m assistant.core.assets`)") from exc


def count_tokens(text: str, encoding: str = "cl100k_base") -> int:
    return len(_encoding(encoding).encode(text, disallowed_special=()))


def truncate_tokens(text: str, limit: int, encoding: str = "cl100k_base") -> str:
    """The longest prefix of ``text`` within ``limit`` tokens (cut at a token boundary)."""
    enc = _encoding(encoding)
    ids = enc.encode(text, disallowed_special=())
    if len(ids) <= limit:
        return text
    cut = enc.decode(ids[:max(0, limit)])
    return cut if text.startswith(cut) else text[: len(cut)]


@dataclass(frozen=True)
class SourceSpan:
    """A source to pack: the section ``text``, the passage that must stay (``focus``), and a label."""

    n: int
    label: str
    text: str
    focus: str = ""


@dataclass(frozen=True)
class PackedSource:
    n: int
    label: str
    text: str  # an exact slice of the source's text
    start: int  # where that slice starts in the source's text
    tokens: int

    def render(self) -> str:
        return f"[{self.n}] {self.label}\n{self.text}"


def _window(span: SourceSpan, limit: int, encoding: str) -> tuple[str, int]:
    """The slice of ``span.text`` around its focus that fits ``limit`` tokens, grown by whole lines
    (after and before alternately), so the quoted passage is kept whenever it fits at all.
    Returns the slice and its start offset."""
    text = span.text
    if count_tokens(text, encoding) <= limit:
        return text, 0
    found = text.find(span.focus) if span.focus else -1
    start, end = (found, found + len(span.focus)) if found >= 0 else (0, 0)
    # lines as [start, end) offsets; the window is the lines first..last
    bounds = [(m.start(), m.end()) for m in re.finditer(r"[^\n]*", text) if m.end() > m.start()]
    covering = [i for i, (lo, hi) in enumerate(bounds) if lo < max(end, start + 1) and hi > start]
    if not covering or count_tokens(text[bounds[covering[0]][0]:bounds[covering[-1]][1]], encoding) > limit:
        piece = truncate_tokens(text[start:], limit, encoding)
        return piece, start
    first, last = covering[0], covering[-1]
    for step in range(2 * len(bounds)):
        grown = False
        for first_try, last_try in ((first, last + 1), (first - 1, last)) if step % 2 == 0 else \
                ((first - 1, last), (first, last + 1)):
            if first_try >= 0 and last_try < len(bounds) and \
                    count_tokens(text[bounds[first_try][0]:bounds[last_try][1]], encoding) <= limit:
                first, last, grown = first_try, last_try, True
                break
        if not grown:
            break
    lo, hi = bounds[first][0], bounds[last][1]
    return text[lo:hi], lo


def pack_sources(spans: list[SourceSpan], budget: int, encoding: str = "cl100k_base") -> list[PackedSource]:
    """Fit ``spans`` into ``budget`` tokens (labels included). Sources are kept in order; each gets an
    equal share, and what a short source leaves unused goes to the others. A source whose label alone
    does not fit is left out (the caller then cannot cite it)."""
    if not spans:
        return []
    labels = {s.n: count_tokens(f"[{s.n}] {s.label}\n", encoding) for s in spans}
    needs = {s.n: count_tokens(s.text, encoding) for s in spans}
    remaining = budget - sum(labels.values())
    shares: dict[int, int] = {}
    pending = [s for s in spans]
    while pending and remaining > 0:
        share = remaining // len(pending)
        small = [s for s in pending if needs[s.n] <= share]
        if not small:
            for s in pending:
                shares[s.n] = share
            remaining = 0
            break
        for s in small:
            shares[s.n] = needs[s.n]
            remaining -= needs[s.n]
            pending.remove(s)
    packed = []
    for s in spans:
        limit = shares.get(s.n, 0)
        if limit <= 0:
            continue
        text, start = _window(s, limit, encoding)
        if text.strip():
            packed.append(PackedSource(s.n, s.label, text, start, labels[s.n] + count_tokens(text, encoding)))
    return packed
