"""The fixed parts of the page as HTML: the header, the empty chat's welcome, and the "Về dữ liệu" tab
that lists the indexed documents with their metadata and chunk counts (rows shared with the "Tài liệu" tab).

The markup is in ``templates/page.html.j2`` (see :mod:`assistant.web.templating`); document metadata
is escaped like every other text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from assistant.web.templating import render

SOURCE_KINDS = {
    "official text": "Văn bản chính thức",
    "official text (truncated)": "Văn bản chính thức (bản trích)",
    "news summary": "Bản tin tóm tắt (không phải toàn văn)",
}


def header_html(title: str, subtitle: str) -> str:
    """The page's title and subtitle."""
    return str(render("page.html.j2", "header", title, subtitle))


def welcome_html() -> str:
    """What the empty chat shows."""
    return str(render("page.html.j2", "welcome"))


def _date_vi(iso: str) -> str:
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})$", iso or "")
    return f"{m.group(3)}/{m.group(2)}/{m.group(1)}" if m else (iso or "")


def _document_row(doc_id: str, d: Mapping[str, Any]) -> dict[str, Any]:
    kind = " ".join(str(x) for x in (d.get("doc_type", ""), d.get("so_hieu", "")) if x)
    sub = " · ".join(x for x in (kind, str(d.get("issuer", "") or "")) if x)
    return {"doc_id": doc_id, "title": d.get("title", doc_id), "sub": sub, "province": d.get("province", ""),
            "date": _date_vi(str(d.get("date_issued", ""))), "period": d.get("period", ""),
            "source": SOURCE_KINDS.get(str(d.get("source_kind", "")), str(d.get("source_kind", ""))),
            "chunks": d.get("chunks", 0), "added_by": d.get("added_by", ""),
            "added_at": d.get("added_at", ""), "doc_type": d.get("doc_type", ""), "so_hieu": d.get("so_hieu", "")}


def document_rows(documents: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per document for the listings, by province then id."""
    docs = sorted(documents.items(), key=lambda kv: (str(kv[1].get("province", "")), kv[0]))
    return [_document_row(doc_id, d) for doc_id, d in docs]


def documents_html(documents: Mapping[str, Mapping[str, Any]]) -> str:
    """The indexed documents with their metadata and chunk counts: a table on wide screens, one card
    per document on phones (each cell carries its column name in ``data-label``)."""
    docs = sorted(documents.items(), key=lambda kv: (str(kv[1].get("province", "")), kv[0]))
    provinces = {str(d.get("province", "")) for _, d in docs if d.get("province")}
    chunks = sum(int(d.get("chunks", 0) or 0) for _, d in docs)
    return str(render("page.html.j2", "documents", len(docs), len(provinces), chunks,
                      [_document_row(doc_id, d) for doc_id, d in docs]))


def about_html(documents: Mapping[str, Mapping[str, Any]]) -> str:
    """The "Về dữ liệu" tab: what the assistant does with the documents, then the documents."""
    return str(render("page.html.j2", "about", Markup(documents_html(documents))))  # built here
