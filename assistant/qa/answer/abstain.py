"""Abstention: the answer when nothing in the documents supports one.

It says what is missing ("Các tài liệu hiện có không nêu …") and lists the closest retrieved sections,
so the reader can look further; ``abstained`` is set so callers (the eval runner, the LLM step, which
never rewrites an abstention) can tell.
"""

from __future__ import annotations

from langchain_core.documents import Document

from assistant.qa.answer.compose import doc_label
from assistant.qa.answer.model import Answer

ABSTAIN_PREFIX = "Các tài liệu hiện có không nêu"
#: How many of the retrieved sections an abstention lists as possibly related.
RELATED_MAX = 3


def abstain(base: Answer, docs: list[Document], what: str) -> Answer:
    """Fill ``base`` as an abstention about ``what``, listing the closest of ``docs``."""
    base.related = [{"doc_id": d.metadata.get("doc_id", ""), "title": d.metadata.get("title", ""),
                     "so_hieu": d.metadata.get("so_hieu", ""), "section": d.metadata.get("section", "")}
                    for d in docs[:RELATED_MAX]]
    lines = [f"{ABSTAIN_PREFIX} {what}."]
    if base.related:
        lines.append("")
        lines.append("Các mục có thể liên quan:")
        lines += [f"- {doc_label(r)}, {r['section']}" for r in base.related]
    base.answer = "\n".join(lines)
    base.abstained = True
    base.confident = False
    return base
