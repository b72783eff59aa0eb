"""What the extractive answerer knows about the indexed corpus, built once per index: :class:`CorpusView`.

Retrieval hands the answerer a few sections; judging them needs facts about the whole corpus: how rare
a word is (IDF), which provinces have documents, each document's outline, canonical text, date of
issue and the targets the commitments extractor read from it. Grouping them in one typed object keeps
the answerer's constructor small and lets tests build a corpus of a few hand-made sections.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant.lexicon import facts as extract
from assistant.lexicon.terms import build_idf, tokens
from assistant.qa.answer.columns import header_above, headers

__all__ = ["CorpusView", "build_idf", "tokens"]


class _Chunk(Protocol):
    text: str
    metadata: dict[str, Any]


class _Index(Protocol):
    """What :meth:`CorpusView.from_index` reads (``assistant.qa.retrieve.HybridIndex`` has it)."""

    chunks: list[Any]
    provinces: list[str]
    documents: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class CorpusView:
    """The corpus as the answerer sees it. Every field but ``idf`` may be left empty (tests do)."""

    #: Folded syllable -> inverse document frequency over the chunks (see :func:`build_idf`).
    idf: dict[str, float]
    #: Provinces with at least one document: a question about another province abstains.
    provinces: list[str] = field(default_factory=list)
    #: doc_id -> section paths in document order, to list a heading's sub-sections.
    outline: dict[str, list[str]] = field(default_factory=dict)
    #: doc_id -> canonical text, to find the target year a passage falls under.
    texts: dict[str, str] = field(default_factory=dict)
    #: doc_id -> date issued (YYYY-MM-DD), so "ban hành ngày nào" picks the document's own date.
    issued: dict[str, str] = field(default_factory=dict)
    #: doc_id -> the targets the commitments extractor read (rows with ``value_start``/``value_end``
    #: offsets in the canonical text): their year is the target year ("so với năm 2025" is a baseline,
    #: "Đến năm 2030, …" carries over the clauses below it) and their indicator says what the number measures.
    targets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: The (multilingual) embedding model, for English questions: lexical overlap with Vietnamese text
    #: says little, so sentences of the top sections are compared with the question by meaning.
    embeddings: Any = None
    _by_offset: dict[str, list[tuple[int, dict[str, Any]]]] = field(init=False, repr=False, compare=False)
    _subjects: dict[str, str | None] = field(init=False, repr=False, compare=False)
    _headers: dict[str, list[tuple[int, list[str]]]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_offset", {
            doc_id: sorted(((int(r["value_start"]), r) for r in rows), key=lambda x: x[0])
            for doc_id, rows in self.targets.items()})
        object.__setattr__(self, "_subjects", {})
        object.__setattr__(self, "_headers", {})

    @classmethod
    def from_index(cls, index: _Index, embeddings: Any = None) -> CorpusView:
        """The view of a built index (its chunks, documents and provinces). The IDF is the one saved at ingest
        with the index's lexical tables (same chunks, fingerprinted) when it has them, else computed here."""
        outline: dict[str, list[str]] = {}
        for chunk in sorted(index.chunks, key=lambda c: (c.metadata.get("doc_id", ""),
                                                         c.metadata.get("chunk_index", 0))):
            outline.setdefault(chunk.metadata.get("doc_id", ""), []).append(chunk.metadata.get("section", ""))
        documents = index.documents
        idf = getattr(getattr(index, "lexical", None), "idf", None)
        return cls(
            idf=idf if idf is not None else build_idf([c.text for c in index.chunks]),
            provinces=index.provinces,
            outline=outline,
            texts={d: info.get("text", "") for d, info in documents.items()},
            issued={d: info.get("date_issued", "") for d, info in documents.items()},
            targets={d: (info.get("commitments") or {}).get("targets") or [] for d, info in documents.items()},
            embeddings=embeddings,
        )

    def text(self, doc_id: str) -> str:
        return self.texts.get(doc_id, "")

    def table_header(self, doc_id: str, pos: int, width: int) -> list[str] | None:
        """The header row of the table whose row of ``width`` cells starts at offset ``pos`` (read once
        per document, see :mod:`.columns`)."""
        if doc_id not in self._headers:
            self._headers[doc_id] = headers(self.text(doc_id))
        return header_above(self._headers[doc_id], pos, width)

    def targets_in(self, doc_id: str, lo: int, hi: int) -> dict[int, dict[str, Any]]:
        """Extracted targets whose value starts in ``[lo, hi)`` of the document's text, by offset."""
        rows = self._by_offset.get(doc_id)
        if not rows:
            return {}
        i = bisect.bisect_left(rows, lo, key=lambda x: x[0])
        out = {}
        while i < len(rows) and rows[i][0] < hi:
            out[rows[i][0]] = rows[i][1]
            i += 1
        return out

    def subject_agency(self, meta: dict[str, Any]) -> str | None:
        """The body a document defines the duties of ("… chức năng, nhiệm vụ, quyền hạn … của Bộ Nội vụ"),
        spelled as in the document's text (titles may come lower-cased from the catalogue); found once
        per document."""
        doc_id = meta.get("doc_id", "")
        if doc_id not in self._subjects:
            self._subjects[doc_id] = self._find_subject_agency(meta)
        return self._subjects[doc_id]

    def _find_subject_agency(self, meta: dict[str, Any]) -> str | None:
        m = re.search(r"chức năng,?\s+nhiệm vụ.*?\bcủa\s+(.+)$", meta.get("title", ""), re.IGNORECASE)
        found = extract.agencies(m.group(1)[:1].upper() + m.group(1)[1:]) if m else []
        if not found:
            return None
        name = found[0].text
        spelled = re.search(re.escape(name).replace(r"\ ", r"\s+"), self.text(meta.get("doc_id", "")), re.IGNORECASE)
        return spelled.group(0) if spelled and spelled.group(0)[:1].isupper() else name[:1].upper() + name[1:]
