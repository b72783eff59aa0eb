"""Growing prefixes of an answer that was computed at once, so the chat and the ``/chat`` API can
stream it: HTML cut between words with its open tags closed, or plain text cut after whole words.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"(<[^>]+>)|(&#?\w+;)|([^<&]+)|([<&])")
_VOID = {"br", "hr", "img", "wbr"}


def progressive_html(fragment: str, frames: int = 16) -> list[str]:
    """Prefixes of an HTML fragment cut between words, each with its open tags closed, ending with
    the whole fragment; used to stream an answer that was computed at once."""
    tokens: list[tuple[str, str]] = []  # (kind, text): tag | text (one word with trailing space)
    for m in _TOKEN.finditer(fragment):
        if m.group(1):
            tokens.append(("tag", m.group(1)))
        elif m.group(2):
            tokens.append(("text", m.group(2)))
        else:
            tokens += [("text", w) for w in re.findall(r"\S+\s*|\s+", m.group(0))]
    words = sum(1 for k, _ in tokens if k == "text")
    if words <= 1 or frames <= 1:
        return [fragment]
    step = max(1, -(-words // frames))
    out: list[str] = []
    stack: list[str] = []
    pieces: list[str] = []
    seen = 0
    for kind, text in tokens:
        pieces.append(text)
        if kind == "tag":
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", text)
            tag = name.group(1).lower() if name else ""
            if text.startswith("</"):
                if tag in stack:
                    del stack[len(stack) - 1 - stack[::-1].index(tag):]
            elif tag and tag not in _VOID and not text.endswith("/>"):
                stack.append(tag)
            continue
        seen += 1
        if seen % step == 0 and seen < words:
            out.append("".join(pieces) + "".join(f"</{t}>" for t in reversed(stack)))
    out.append(fragment)
    return out


def progressive_text(text: str, frames: int = 16) -> list[str]:
    """Prefixes of plain text (or Markdown) cut after whole words, ending with the whole text."""
    words = re.findall(r"\S+\s*|\s+", text or "")
    if len(words) <= 1 or frames <= 1:
        return [text or ""]
    step = max(1, -(-len(words) // frames))
    out = ["".join(words[:i]).rstrip() for i in range(step, len(words), step)]
    out.append(text)
    return out
