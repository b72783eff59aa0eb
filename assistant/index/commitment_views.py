"""Presenting commitments: user filters in, table / CSV / JSON out; shared by the CLI and the web tab."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.index.commitments_db import CommitmentStore
from assistant.lexicon.areas import AREAS, INDICATOR_LABELS, area_from_user
from assistant.lexicon.gazetteer import canonical_province

TARGET_COLUMNS: list[tuple[str, str]] = [
    ("province", "Tỉnh"), ("indicator", "Chỉ tiêu"), ("value", "Mức"), ("year", "Năm"), ("area", "Lĩnh vực"),
    ("so_hieu", "Văn bản"), ("section", "Mục"),
]
RESPONSIBILITY_COLUMNS: list[tuple[str, str]] = [
    ("province", "Tỉnh"), ("agency", "Cơ quan"), ("role", "Vai trò"), ("task", "Nhiệm vụ"), ("area", "Lĩnh vực"),
    ("so_hieu", "Văn bản"), ("section", "Mục"),
]
EXPORT_EXTRA = ["sentence", "doc_id", "chunk_id", "start", "end"]


class FilterError(ValueError):
    """A filter value we cannot interpret; the message says what is accepted."""


@dataclass(frozen=True)
class Filters:
    province: str | None = None
    area: str | None = None
    year: str | None = None
    agency: str | None = None
    role: str | None = None
    indicator_key: str | None = None
    text: str | None = None

    @classmethod
    def parse(cls, *, province: str | None = None, area: str | None = None, year: str | int | None = None,
              agency: str | None = None, role: str | None = None, indicator: str | None = None,
              text: str | None = None) -> Filters:
        """Validate user input: province and area accept any spelling, with or without diacritics."""
        prov = None
        if province and province.strip():
            prov = canonical_province(province)
            if prov is None:
                raise FilterError(f"unknown province {province!r}; try e.g. 'Lạng Sơn' or 'lang son'")
        code = None
        if area and area.strip():
            code = area if area in AREAS else area_from_user(area)
            if code is None:
                raise FilterError(f"unknown area {area!r}; use one of: {', '.join(AREAS)}")
        year_text = str(year).strip() if year not in (None, "") else None
        if year_text and not (year_text.isdigit() and len(year_text) == 4) and year_text != "hằng năm":
            raise FilterError(f"year must be a 4-digit year such as 2025 (got {year!r})")
        if indicator and indicator not in INDICATOR_LABELS:
            raise FilterError(f"unknown indicator {indicator!r}; use one of: {', '.join(INDICATOR_LABELS)}")
        return cls(prov, code, year_text, (agency or "").strip() or None, (role or "").strip() or None,
                   indicator or None, (text or "").strip() or None)


def find_targets(db: CommitmentStore, filters: Filters) -> list[dict[str, Any]]:
    return db.targets(province=filters.province, area=filters.area, year=filters.year,
                      indicator_key=filters.indicator_key, text=filters.text)


def find_responsibilities(db: CommitmentStore, filters: Filters) -> list[dict[str, Any]]:
    rows = db.responsibilities(province=filters.province, area=filters.area, role=filters.role, text=filters.text)
    if filters.agency:
        from assistant.lexicon.text import fold

        wanted = fold(filters.agency)
        rows = [r for r in rows if wanted in fold(r["agency"]) or wanted in fold(r["agency_text"])]
    return rows


def display_row(row: Mapping[str, Any], columns: Sequence[tuple[str, str]]) -> list[str]:
    out = []
    for key, _ in columns:
        value = row.get(key)
        if key == "area":
            value = AREAS.get(str(value), value)
        elif key == "year" and not value and row.get("effective_year"):
            value = f"{row['effective_year']} (kỳ kế hoạch)"
        out.append("" if value is None else str(value))
    return out


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([label for _, label in columns] + EXPORT_EXTRA)
    for row in rows:
        writer.writerow(display_row(row, columns) + ["" if row.get(k) is None else str(row.get(k))
                                                     for k in EXPORT_EXTRA])
    return buf.getvalue()


def to_json(rows: Sequence[Mapping[str, Any]]) -> str:
    return json.dumps(list(rows), ensure_ascii=False, indent=2)


def to_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]], *, width: int = 48) -> str:
    """Plain-text columns for a terminal; long cells are cut with an ellipsis."""
    cells = [[label for _, label in columns]] + [display_row(r, columns) for r in rows]
    cells = [[c if len(c) <= width else c[: width - 1] + "…" for c in row] for row in cells]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def comparison(db: CommitmentStore, indicator_key: str, year: str | None = None) -> list[dict[str, Any]]:
    """One indicator across provinces: every target of that family, the latest year first per province."""
    rows = db.targets(indicator_key=indicator_key, year=year)
    rows.sort(key=lambda r: (r["province"] or "", -(int(r["effective_year"]) if str(r["effective_year"] or "")
                                                     .isdigit() else 0), r["start"]))
    return rows
