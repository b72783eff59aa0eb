"""The learned answer selector: its features, the exported models, the order it gives and its training."""

from __future__ import annotations

import numpy as np
import pytest
from langchain_core.documents import Document

from assistant.qa.analyse import analyse
from assistant.qa.answer.coverage import Coverage
from assistant.qa.answer.model import Evidence
from assistant.qa.answer.ranker import SelectionModel, features, rerank
from evals.train_selector import export, first_hit, train

_CHUNK = ("1. Cải cách tài chính công\n- Sở Tài chính chủ trì, phối hợp với Sở Nội vụ thực hiện.\n"
          "- Văn phòng UBND tỉnh theo dõi, tổng hợp kết quả.")


def _evidence() -> list[Evidence]:
    doc = Document(page_content=_CHUNK, id="d#1",
                   metadata={"doc_id": "d", "chunk_id": "d#1", "section": "III › 1. Cải cách tài chính công",
                             "dense_score": 0.61})
    lines = _CHUNK.split("\n")
    a = Evidence(doc, lines[1], _CHUNK.index(lines[1]), lines[1][2:], 0.8, 0.95, "Sở Tài chính",
                 parts={"rank": 1.0, "hand_score": 0.95})
    b = Evidence(doc, lines[2], _CHUNK.index(lines[2]), lines[2][2:], 0.7, 0.9, "Văn phòng UBND tỉnh",
                 parts={"rank": 1.0, "hand_score": 0.9})
    return [a, b]


def _coverage() -> Coverage:
    return Coverage({"tai": 1.0, "chinh": 1.0, "cong": 1.0, "chu": 2.0, "tri": 2.0, "cai": 0.5, "cach": 0.5})


def test_features_describe_each_candidate_against_the_others():
    question = analyse("Ai chủ trì cải cách tài chính công?")
    rows = features(question, _evidence(), ["cai", "cach", "tai", "chinh", "cong"], _coverage())
    assert len(rows) == 2
    first, second = rows
    assert first["intent_who_leads"] == 1.0
    assert first["score_gap"] == 0.0 and second["score_gap"] == pytest.approx(-0.05)
    assert first["role_asked_here"] == 1.0 and second["role_asked_here"] == 0.0
    assert first["list_item"] == 1.0 and first["dense"] == pytest.approx(0.61)
    assert set(first) == set(second)


def test_exported_trees_and_linear_models_score_like_scikit_learn():
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] * x[:, 2] + rng.normal(scale=0.3, size=400) > 0).astype(int)
    names = ["a", "b", "c"]
    rows = [dict(zip(names, r, strict=True)) for r in x[:50]]
    for fitted in (GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0).fit(x, y),
                   make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)):
        model = SelectionModel.from_dict(export(fitted, names))
        np.testing.assert_allclose(model.scores(rows), fitted.predict_proba(x[:50])[:, 1], atol=1e-4)


def test_rerank_orders_by_the_model_and_keeps_factless_candidates_last():
    question = analyse("Ai chủ trì cải cách tài chính công?")
    evidence = _evidence()
    evidence.append(Evidence(evidence[0].doc, "1. Cải cách tài chính công", 0, "Cải cách tài chính công nội dung",
                             0.9, 0.7, None, parts={"rank": 1.0}))
    # a model that prefers the candidate whose sentence does NOT name the role asked
    model = SelectionModel("linear", ("role_asked_here",),
                           {"mean": [0.0], "scale": [1.0], "weights": [-3.0], "bias": 0.0})
    ordered = rerank(model, question, evidence, ["tai", "chinh", "cong"], _coverage())
    assert [e.fact for e in ordered] == ["Văn phòng UBND tỉnh", "Sở Tài chính", None]
    assert ordered[0].parts["hand_score"] == 0.9  # the hand score is kept for the record
    assert rerank(None, question, _evidence(), [], _coverage())[0].fact == "Sở Tài chính"


def _event(group: str, labels: list[int], good: float) -> dict:
    # one question's candidates: the right one has feature "good" high; the hand order puts it second
    rows = [{"good": good * lab + (1 - lab) * 0.1, "noise": float(i)} for i, lab in enumerate(labels)]
    return {"set": "t", "group": group, "rows": rows, "labels": labels, "selectable": [True] * len(labels),
            "gated": [True] * len(labels)}


def test_training_beats_the_hand_order_when_a_feature_says_which_is_right():
    events = [_event(f"doc{i % 10}", [0, 1, 0], 0.9) for i in range(200)]
    saved, report = train(events)
    assert report["hand-set order"]["all"]["first_hit"] == 0.0
    assert report[saved["training"]["chosen"]]["all"]["first_hit"] == 1.0
    assert first_hit(events, None)["t"]["n"] == 200
    model = SelectionModel.from_dict(saved)
    probs = model.scores(events[0]["rows"])
    assert int(np.argmax(probs)) == 1
