"""Answers from the commitments tables, for questions across provinces or over many targets.

Retrieval finds passages; it cannot tell which of five plans sets the highest target, or list every
target a plan sets for 2030. The tables can: "So sánh chỉ tiêu … của Lạng Sơn và Tuyên Quang",
"Tỉnh nào đặt mục tiêu PAR INDEX cao nhất?", "Những chỉ tiêu nào đến năm 2030 của Tuyên Quang?".
Each line of such an answer cites the sentence its value comes from, like every other answer.

When the tables cannot answer with confidence (no province has a matching target, or a named
province has none) this returns ``None`` and the extractive answerer takes over.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from assistant.index.commitments_db import CommitmentStore
from assistant.lexicon.areas import (
    AREAS,
    INDICATOR_LABELS,
    area_from_user,
    areas_named,
    indicator_key,
    mentions_indicator,
)
from assistant.lexicon.text import fold
from assistant.qa.analyse import QueryAnalysis
from assistant.qa.answer import Answer, Citation

_WHICH = re.compile(r"\b(?:tinh nao|dia phuong nao|which province|noi nao)\b")
_SUPERLATIVE = re.compile(r"\b(?:cao nhat|lon nhat|nhieu nhat|highest|largest)\b|\b(?:thap nhat|nho nhat|it nhat|lowest)\b")
_LOW = re.compile(r"\b(?:thap nhat|nho nhat|it nhat|lowest)\b")
_LISTING = re.compile(r"\b(?:nhung|cac) chi tieu\b|\bchi tieu nao\b|\bwhich targets\b|\blist (?:the|all) targets\b")
# what a listing question may name besides its frame: places, years and a reform area
_AREA_WORDS = set("cai cach the che thu tuc hanh chinh tthc to chuc bo may che do cong vu tai chinh cong chinh quyen "
                  "dien tu so chuyen doi chi dao dieu hanh linh vuc".split())
# words of the question that say how to compare, not what
_FRAME = set(("so sanh chi tieu muc tieu cua va giua voi tinh nao dia phuong nhung cac la bao nhieu dat ra "
              "khac nhau giong the nao co khong den nam ve cho trong hai ba which province compare target "
              "targets the of and between set what how highest lowest cao nhat thap nhi it nhieu lon nho "
              "ke hoach cai cach hanh chinh nha nuoc giai doan").split())
MAX_ROWS = 12


def quote_with_value(row: Mapping[str, Any], max_words: int = 40) -> str:
    """The target's own clause, value in bold, cut around the value if long: quoting beats paraphrase."""
    sentence, value = str(row["sentence"]).strip(), str(row["value"])
    sentence = re.sub(r"^(?:[-+•*]\s*|\d{1,2}(?:\.\d{1,2})*\.?\s+|[a-zđ]\)\s*)", "", sentence)
    at = sentence.find(value)
    if at < 0:
        return f"{sentence} (**{value}**)"
    before, after = sentence[:at].split(), sentence[at + len(value):].split()
    keep_after = min(len(after), max(8, max_words - len(before)))
    keep_before = min(len(before), max_words - keep_after)
    left = ("… " if keep_before < len(before) else "") + " ".join(before[len(before) - keep_before:])
    right = " ".join(after[:keep_after]) + (" …" if keep_after < len(after) else "")
    return f"{left} **{value}** {right}".strip().rstrip(";,")


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", fold(text)) if w not in _FRAME and not w.isdigit()}


def _relevance(question_words: set[str], row: Mapping[str, Any]) -> float:
    """Share of the question's content words found in the target's indicator or sentence."""
    if not question_words:
        return 0.0
    return len(question_words & _words(f"{row['indicator']} {row['sentence']}")) / len(question_words)


class CommitmentAnswerer:
    def __init__(self, db: CommitmentStore, documents: Mapping[str, Mapping[str, Any]],
                 *, min_relevance: float = 0.5) -> None:
        self.db = db
        self.documents = documents
        self.min_relevance = min_relevance

    def answer(self, analysis: QueryAnalysis, *, filters: Mapping[str, Any] | None = None) -> Answer | None:
        if not self.db.exists or (filters and filters.get("doc_id")):
            return None
        folded = analysis.folded
        provinces = list(analysis.provinces) or ([filters["province"]] if filters and filters.get("province") else [])
        comparing = analysis.intent == "comparison" or bool(_WHICH.search(folded))
        if comparing and analysis.sub_intent in {"target", "general"}:
            return self._compare(analysis, provinces)
        if _LISTING.search(folded) and (analysis.years or provinces) and self._only_scope_words(analysis, provinces):
            return self._listing(analysis, provinces)
        return None

    # -- comparisons ----------------------------------------------------------------------------
    def _compare(self, analysis: QueryAnalysis, provinces: list[str]) -> Answer | None:
        key = indicator_key(analysis.question)
        year = str(max(analysis.years)) if analysis.years else None
        words = _words(analysis.question) - {w for p in provinces for w in _words(p)}
        rows = self.db.targets(indicator_key=key) if key else self.db.targets()
        if year:
            rows = [r for r in rows if (r["year"] or r["effective_year"]) in {year, None}] or rows
        best: dict[str, tuple[float, dict[str, Any]]] = {}
        for row in rows:
            if provinces and row["province"] not in provinces:
                continue
            score = _relevance(words, row) + (0.5 if key and row["indicator_key"] == key else 0.0)
            if score >= self.min_relevance and score > best.get(row["province"], (0.0, {}))[0]:
                best[row["province"]] = (score, row)
        if len(best) < 2 or (len(provinces) >= 2 and set(provinces) - set(best)):
            return None  # the tables cannot answer for every province asked about
        chosen = [best[p][1] for p in (provinces or sorted(best))]
        label = INDICATOR_LABELS.get(key or "", "") or chosen[0]["indicator"]
        lines = [f"**So sánh: {label}**", ""]
        for n, row in enumerate(chosen, start=1):
            when = row["year"] or (f"{row['effective_year']}, cuối kỳ kế hoạch" if row["effective_year"] else "")
            lines.append(f"- **{row['province']}**: “{quote_with_value(row)}”" + (f" ({when})" if when else "")
                         + f" [{n}]")
        if _SUPERLATIVE.search(analysis.folded) and len({r["unit"] for r in chosen}) == 1 and \
                not chosen[0]["unit"].startswith("/"):
            pick = (min if _LOW.search(analysis.folded) else max)(chosen, key=lambda r: r["number"])
            ties = [r["province"] for r in chosen if r["number"] == pick["number"]]
            word = "thấp nhất" if _LOW.search(analysis.folded) else "cao nhất"
            lines += ["", f"Mức {word}: **{', '.join(ties)}** ({pick['value']})."]
        if not provinces and key:
            # say which other plans are silent, and never claim silence for a plan that names the index
            others = sorted(set(self._provinces()) - set(best))
            mentioned = [p for p in others if any(mentions_indicator(key, str(d.get("text", "")))
                                                  for d in self.documents.values() if d.get("province") == p)]
            silent = [p for p in others if p not in mentioned]
            if mentioned:
                lines += ["", f"_Văn bản của {', '.join(mentioned)} có nhắc đến chỉ số này nhưng không có chỉ tiêu "
                              f"định lượng được trích tự động; hãy hỏi riêng về {'tỉnh' if len(mentioned) == 1 else 'các tỉnh'} "
                              f"đó để xem đoạn văn bản._"]
            if silent:
                lines += ["", f"_Các văn bản của {', '.join(silent)} không nêu chỉ số này._"]
        return self._answer(analysis, "\n".join(lines), chosen)

    # -- listings -------------------------------------------------------------------------------
    def _listing(self, analysis: QueryAnalysis, provinces: list[str]) -> Answer | None:
        year = str(max(analysis.years)) if analysis.years else None
        area = self._area(analysis.question)
        rows: list[dict[str, Any]] = []
        for province in provinces or [None]:
            rows += self.db.targets(province=province, year=year, area=area)
        if not rows:
            return None
        shown = rows[:MAX_ROWS]
        scope = " và ".join(provinces) if provinces else "các tỉnh"
        head = f"**Các chỉ tiêu của {scope}" + (f" đến năm {year}" if year else "") \
            + (f" về {AREAS[area].lower()}" if area else "") + f"** ({len(rows)} chỉ tiêu):"
        lines = [head, ""]
        for n, row in enumerate(shown, start=1):
            prefix = f"{row['province']}: " if len(provinces) != 1 else ""
            lines.append(f"- {prefix}“{quote_with_value(row, 30)}” [{n}]")
        if len(rows) > len(shown):
            lines += ["", f"_…và {len(rows) - len(shown)} chỉ tiêu khác: xem thẻ “Cam kết” hoặc "
                          f"`python -m assistant commitments`._"]
        return self._answer(analysis, "\n".join(lines), shown)

    @staticmethod
    def _only_scope_words(analysis: QueryAnalysis, provinces: list[str]) -> bool:
        """A listing names only where, when and which area ("chỉ tiêu nào đến 2030 của Tuyên Quang về chính
        quyền số"); "chỉ tiêu nào về họp trực tuyến" asks for one target, which retrieval answers better."""
        rest = _words(analysis.question) - {w for p in provinces for w in _words(p)} - _AREA_WORDS
        return len(rest) <= 1

    @staticmethod
    def _area(question: str) -> str | None:
        hits = areas_named(question)
        return hits[0] if len(hits) == 1 else area_from_user(question) if len(question) < 30 else None

    # -- shared ---------------------------------------------------------------------------------
    def _provinces(self) -> list[str]:
        return sorted({str(d.get("province")) for d in self.documents.values() if d.get("province")})

    def _answer(self, analysis: QueryAnalysis, text: str, rows: Sequence[Mapping[str, Any]]) -> Answer:
        citations = [self._citation(n, row) for n, row in enumerate(rows, start=1)]
        return Answer(question=analysis.question, answer=text, abstained=False, intent="commitments",
                      citations=citations, support=1.0)

    def _citation(self, n: int, row: Mapping[str, Any]) -> Citation:
        """The cited passage is the whole line the target sits in, so the quote reads as in the plan."""
        doc = self.documents.get(row["doc_id"], {})
        text = str(doc.get("text", ""))
        start, end = int(row["start"]), int(row["end"])
        if text:
            line_start = text.rfind("\n", 0, start) + 1
            line_end = text.find("\n", end)
            line_end = len(text) if line_end < 0 else line_end
            start, end = max(line_start, start - 300), min(line_end, end + 300)
        quote = text[start:end] if text else str(row["sentence"])
        return Citation(n=n, chunk_id=str(row.get("chunk_id") or ""), doc_id=str(row["doc_id"]),
                        title=str(doc.get("title", row.get("title", ""))), so_hieu=str(row.get("so_hieu") or ""),
                        province=str(row["province"] or ""), section=str(row["section"]), text=quote,
                        start=start, end=end)
