"""The one Jinja2 environment that turns the chat's data into HTML, and how templates are called.

Each ``templates/*.html.j2`` file holds the macros of one part of the page (chat messages, source
cards, the page frame, the commitments tab); Python code calls a macro with :func:`render`.

Escaping: the environment autoescapes. Every ``{{ value }}`` is escaped exactly as ``html.escape(...,
quote=True)`` escapes (so the HTML is the same, byte for byte, as the hand-built markup it replaced) and
``None`` shows as nothing; only :class:`~markupsafe.Markup` passes through unchanged. Markup is given
only to HTML this package built itself: a macro's output, or text escaped by
:func:`assistant.web.rendering.esc` first. Untrusted text (questions, documents, answers) is therefore
always shown as text.

One line: the chat renders each message as Markdown with HTML blocks, and a CommonMark HTML block ends
at a blank line, so every fragment must be a single line. Templates are written over several lines for
reading; the loader joins them, dropping each line's leading and trailing whitespace and its line break.
So a space needed between two elements goes on one line (``</span> <span>``), and a ``{{ }}`` or
``{% %}`` tag never spans lines.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup


class _JoinedLinesLoader(PackageLoader):
    """Loads ``assistant/web/templates/``, each template's lines joined into one (see the module doc)."""

    def get_source(self, environment: Environment,
                   template: str) -> tuple[str, str | None, Callable[[], bool] | None]:
        source, filename, uptodate = super().get_source(environment, template)
        return "".join(line.strip() for line in source.splitlines()), filename, uptodate


def _escape(value: object) -> object:
    """Every ``{{ value }}``: ``None`` as nothing, Markup as is, anything else escaped like ``html.escape``."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=True))


def lines_to_html(escaped: str) -> str:
    """Line breaks of already escaped text as ``<br>`` (\\r\\n, \\r and \\n alike)."""
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def _lines(value: object) -> Markup:
    """The ``lines`` filter: the value escaped, with its line breaks as ``<br>``."""
    return Markup(lines_to_html(html.escape("" if value is None else str(value), quote=True)))


ENV = Environment(loader=_JoinedLinesLoader("assistant.web", "templates"), autoescape=True,
                  finalize=_escape, undefined=StrictUndefined, keep_trailing_newline=False)
ENV.filters["lines"] = _lines


@cache
def _macro(template: str, name: str) -> Any:
    return getattr(ENV.get_template(template).module, name)


def render(template: str, macro: str, /, *args: Any, **kwargs: Any) -> Markup:
    """Call ``macro`` of ``templates/<template>`` and return its HTML."""
    return _macro(template, macro)(*args, **kwargs)
