"""The "Cam kết" tab: what each plan commits to, filterable, searchable, comparable, exportable.

Built inside the chat app's ``gr.Blocks`` so it shares the loaded documents (for the source
passage of a selected row) and the same server. All data comes from the commitments tables; its HTML
pieces are the macros of ``templates/commitments.html.j2``.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from assistant.index import commitment_views as views
from assistant.index.commitments_db import CommitmentStore
from assistant.lexicon.areas import AREAS, INDICATOR_LABELS
from assistant.lexicon.facts import COMMITMENT_ROLES
from assistant.web import rendering
from assistant.web.templating import render

log = logging.getLogger(__name__)

KINDS = {"Chỉ tiêu": "targets", "Phân công trách nhiệm": "responsibilities"}
ROLES = COMMITMENT_ROLES  # lexicon/data/roles.toml
HINT = ("Chọn một dòng để xem đoạn văn bản gốc. Bộ lọc năm: chỉ tiêu không ghi năm được tính theo năm cuối "
        "kỳ kế hoạch. Dữ liệu được trích tự động từ văn bản khi lập chỉ mục; hãy đối chiếu với đoạn gốc.")


class CommitmentsView:
    """Queries and renders for the tab; kept apart from Gradio wiring so it can be tested directly.

    The tables are those of the service's current pipeline, so the tab follows a newly published index.
    CSV exports are written to a temporary folder made on the first export and owned by the view: it is
    removed when the view is freed or the process exits (every app build, test and restart used to leave one
    behind in the system's temporary folder)."""

    def __init__(self, service: Any) -> None:
        self.service = service
        self._exports: tempfile.TemporaryDirectory[str] | None = None

    @property
    def _export_dir(self) -> Path:
        if self._exports is None:  # TemporaryDirectory removes itself on garbage collection and at exit
            self._exports = tempfile.TemporaryDirectory(prefix="cchc-commitments-", ignore_cleanup_errors=True)
        return Path(self._exports.name)

    @property
    def db(self) -> CommitmentStore:
        db = getattr(self.service.pipeline, "commitment_db", None)
        return db if db is not None else CommitmentStore(Path("/nonexistent") / "commitments.sqlite3")

    def province_choices(self) -> list[tuple[str, str]]:
        provinces = self.db.distinct("targets", "province")
        provinces += [p for p in self.db.distinct("responsibilities", "province") if p not in provinces]
        return [("Tất cả", "")] + [(p, p) for p in provinces]

    def year_choices(self) -> list[tuple[str, str]]:
        years = set(self.db.distinct("targets", "year")) | set(self.db.distinct("targets", "effective_year"))
        return [("Tất cả", "")] + [(y, y) for y in sorted(years)]

    def indicator_choices(self) -> list[tuple[str, str]]:
        present = set(self.db.distinct("targets", "indicator_key"))
        return [(label, key) for key, label in INDICATOR_LABELS.items() if key in present]

    def rows(self, kind: str, province: str, area: str, year: str, agency: str, role: str,
             text: str) -> tuple[list[dict[str, Any]], str | None]:
        """The rows for a filter, or an explanation of why there are none."""
        try:
            filters = views.Filters.parse(province=province, area=area, year=year if kind == "targets" else None,
                                          agency=agency, role=role if kind != "targets" else None, text=text)
        except views.FilterError as exc:
            return [], str(exc)
        rows = views.find_targets(self.db, filters) if kind == "targets" else views.find_responsibilities(self.db, filters)
        return rows, None

    @staticmethod
    def columns(kind: str) -> list[tuple[str, str]]:
        return views.TARGET_COLUMNS if kind == "targets" else views.RESPONSIBILITY_COLUMNS

    def frame(self, kind: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
        columns = self.columns(kind)
        return pd.DataFrame([views.display_row(r, columns) for r in rows], columns=[label for _, label in columns])

    def export(self, kind: str, rows: list[dict[str, Any]]) -> str:
        path = self._export_dir / f"cam-ket-{'chi-tieu' if kind == 'targets' else 'phan-cong'}.csv"
        path.write_text(views.to_csv(rows, self.columns(kind)), encoding="utf-8-sig")  # BOM: Excel reads UTF-8
        return str(path)

    def selected(self, rows: list[dict[str, Any]], kind: str, row_value: list[Any] | None,
                 index: Any) -> dict[str, Any] | None:
        """The row the user clicked: matched on its displayed values (the grid may be scrolled, sorted or
        virtualised, so a position alone is not trusted), else by position."""
        columns = self.columns(kind)
        if row_value:
            shown = ["" if v is None else str(v) for v in row_value]
            for row in rows:
                if views.display_row(row, columns) == shown:
                    return row
        position = index[0] if isinstance(index, list | tuple) else index
        return rows[position] if isinstance(position, int) and 0 <= position < len(rows) else None

    def source_html(self, row: dict[str, Any] | None) -> str:
        """The cited passage of one row, with its full section, as in the chat's source cards."""
        if not row:
            return ""
        doc = self.service.documents.get(row["doc_id"], {})
        section = self.service.passage(row["doc_id"], row.get("chunk_id"), row.get("sentence", ""), row.get("start"))
        citation = {"n": "↗", "doc_id": row["doc_id"], "title": doc.get("title", row.get("title")),
                    "so_hieu": row.get("so_hieu"), "province": row.get("province"), "section": row.get("section"),
                    "text": row.get("sentence", "")}
        facts = [row.get("value") or row.get("agency_text") or ""]
        return rendering.source_card(citation, facts=[f for f in facts if f], section=section)

    def comparison(self, indicator_key: str, year: str) -> tuple[pd.DataFrame, str]:
        rows = views.comparison(self.db, indicator_key, year or None) if indicator_key else []
        if not rows:
            empty = str(render("commitments.html.j2", "no_comparison")) if indicator_key else ""
            return pd.DataFrame(columns=["Tỉnh", "Giá trị", "Mức"]), empty
        # one bar per province: its latest target; the table lists them all with their wording
        units = [r["unit"] for r in rows]
        unit = max(set(units), key=units.count)
        best: dict[str, dict[str, Any]] = {}
        for r in rows:
            if r["unit"] == unit and r["province"] not in best:
                best[r["province"]] = r
        chart = pd.DataFrame([{"Tỉnh": p, "Giá trị": r["number"], "Mức": r["value"],
                               "Năm": r["year"] or r["effective_year"] or ""} for p, r in best.items()])
        table = str(render("commitments.html.j2", "comparison", rows, unit))
        return chart, table


@dataclass
class _Tab:
    """The tab's components that events read and write."""

    kind: gr.Radio
    province: gr.Dropdown
    area: gr.Dropdown
    year: gr.Dropdown
    agency: gr.Textbox
    role: gr.Dropdown
    search: gr.Textbox
    status: gr.HTML
    table: gr.Dataframe
    download: gr.DownloadButton
    source: gr.HTML
    rows: gr.State
    indicator: gr.Dropdown
    compare_year: gr.Dropdown
    chart: gr.BarPlot
    compare_table: gr.HTML

    @property
    def filters(self) -> list[Any]:
        return [self.kind, self.province, self.area, self.year, self.agency, self.role, self.search]


def build_tab(demo: gr.Blocks, service: Any) -> None:
    """Add the tab to the enclosing ``gr.Tabs``; an app without a commitments table says how to build it."""
    view = CommitmentsView(service)
    with gr.Tab("Cam kết", id="commitments", elem_id="cchc-tab-commitments"):
        if not view.db.exists:
            gr.HTML(str(render("commitments.html.j2", "missing")), elem_id="cchc-commitments-missing")
            return
        tab = _layout(view)
    _connect(demo, view, tab)


def _layout(view: CommitmentsView) -> _Tab:
    gr.Markdown("### Chỉ tiêu và phân công trách nhiệm trong các kế hoạch", elem_id="cchc-commitments-title")
    with gr.Row(elem_id="cchc-commitments-filters"):
        kind = gr.Radio(list(KINDS.items()), value="targets", label="Xem", elem_id="cchc-c-kind", scale=2)
        province = gr.Dropdown(view.province_choices(), value="", label="Tỉnh", elem_id="cchc-c-province",
                               scale=1, filterable=False)
        area = gr.Dropdown([("Tất cả", "")] + [(label, code) for code, label in AREAS.items()], value="",
                           label="Lĩnh vực", elem_id="cchc-c-area", scale=1, filterable=False)
        year = gr.Dropdown(view.year_choices(), value="", label="Năm", elem_id="cchc-c-year", scale=1,
                           filterable=False)
    with gr.Row():
        agency = gr.Textbox(label="Cơ quan", placeholder="vd. Sở Nội vụ", elem_id="cchc-c-agency", scale=1)
        role = gr.Dropdown([("Tất cả", "")] + [(r, r) for r in ROLES], value="", label="Vai trò",
                           elem_id="cchc-c-role", scale=1, filterable=False)
        search = gr.Textbox(label="Tìm kiếm", placeholder="vd. dịch vụ công trực tuyến (gõ không dấu cũng được)",
                            elem_id="cchc-c-search", scale=2)
    status = gr.HTML("", elem_id="cchc-c-status")
    table = gr.Dataframe(interactive=False, wrap=True, elem_id="cchc-c-table", max_height=420,
                         column_widths=["10%", "30%", "13%", "10%", "13%", "10%", "14%"])
    download = gr.DownloadButton("Tải CSV", elem_id="cchc-c-csv", size="sm")
    gr.Markdown(HINT, elem_id="cchc-c-hint")
    source = gr.HTML("", elem_id="cchc-c-source")
    rows_state = gr.State([])
    with gr.Accordion("So sánh một chỉ tiêu giữa các tỉnh", open=True, elem_id="cchc-c-compare"):
        with gr.Row():
            indicator = gr.Dropdown(view.indicator_choices(), value=None, label="Chỉ tiêu",
                                    elem_id="cchc-c-indicator", scale=2, filterable=False)
            compare_year = gr.Dropdown(view.year_choices(), value="", label="Năm", elem_id="cchc-c-cyear",
                                       scale=1, filterable=False)
        chart = gr.BarPlot(x="Tỉnh", y="Giá trị", tooltip="all", y_lim=[0, None], elem_id="cchc-c-chart",
                           x_title="Tỉnh", y_title="Mức chỉ tiêu")
        compare_table = gr.HTML("", elem_id="cchc-c-compare-table")
    return _Tab(kind, province, area, year, agency, role, search, status, table, download, source, rows_state,
                indicator, compare_year, chart, compare_table)


def _connect(demo: gr.Blocks, view: CommitmentsView, tab: _Tab) -> None:
    def refresh(k: str, p: str, a: str, y: str, ag: str, r: str, q: str) -> tuple[Any, ...]:
        rows, error = view.rows(k, p, a, y, ag, r, q)
        if error:
            message = rendering.notice_html(error, "error")
        else:
            noun = "chỉ tiêu" if k == "targets" else "phân công"
            message = str(render("commitments.html.j2", "count", len(rows), noun))
        return view.frame(k, rows), rows, message, gr.DownloadButton(value=view.export(k, rows)), ""

    filters = tab.filters
    outputs = [tab.table, tab.rows, tab.status, tab.download, tab.source]
    common: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}
    for component in (tab.kind, tab.province, tab.area, tab.year, tab.role):
        component.change(refresh, filters, outputs, **common)
    for box in (tab.agency, tab.search):
        box.submit(refresh, filters, outputs, **common)
        box.blur(refresh, filters, outputs, **common)

    def on_select(rows: list[dict[str, Any]], k: str, evt: gr.SelectData) -> str:
        return view.source_html(view.selected(rows, k, evt.row_value, evt.index))

    tab.table.select(on_select, [tab.rows, tab.kind], tab.source, **common)

    def compare(key: str | None, y: str) -> tuple[Any, ...]:
        return view.comparison(key or "", y)

    comparison = [tab.chart, tab.compare_table]
    tab.indicator.change(compare, [tab.indicator, tab.compare_year], comparison, **common)
    tab.compare_year.change(compare, [tab.indicator, tab.compare_year], comparison, **common)

    # the first view: all targets, and the first indicator compared
    demo.load(refresh, filters, outputs, **common)
    first = view.indicator_choices()[:1]
    if first:
        demo.load(lambda: (gr.Dropdown(value=first[0][1]), *view.comparison(first[0][1], "")), None,
                  [tab.indicator, *comparison], **common)
