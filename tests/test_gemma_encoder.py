"""EmbeddingGemma without transformers (assistant/index/gemma_encoder.py): the token ids of transformers'
tokenizer, the embeddings of transformers' model and of ``SentenceTransformer.encode`` (float32 and bf16),
on real questions and passages, padded batches and an input cut at 512 tokens; and loading it that way keeps
transformers out of the process, which is what makes the start faster."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.corpus import DATA, ROOT

GEMMA = ROOT / "models" / "embeddinggemma-300m"
MAX = 512
pytestmark = pytest.mark.skipif(not (GEMMA / "modules.json").is_file(),
                                reason="EmbeddingGemma not fetched (make run)")


def _questions() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "evals" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [r["question"] for r in rows[::max(1, len(rows) // 9)]][:9] + ["PAPI là gì?", "  x  "]


def _passages() -> list[str]:
    """Paragraphs of every corpus file, short and long, and one text far over 512 tokens."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.txt"))]
    paragraphs = [p.strip() for t in texts for p in t.split("\n\n") if len(p.strip()) > 80]
    paragraphs.sort(key=len)
    picks = [paragraphs[int(i * (len(paragraphs) - 1) / 7)] for i in range(8)]
    return [*picks, texts[0][:6000]]


@pytest.fixture(scope="module")
def texts() -> dict[str, list[str]]:
    return {"query": _questions(), "document": _passages()}


@pytest.fixture(scope="module")
def fp32(texts: dict[str, list[str]]) -> dict:
    """The encoders and the float32 embeddings of the three ways (one load each per module)."""
    import torch
    from sentence_transformers import SentenceTransformer

    from assistant.index.encoder import DirectEncoder

    new = DirectEncoder(GEMMA, torch.float32)
    old = DirectEncoder(GEMMA, torch.float32, transformers=True)
    st = SentenceTransformer(str(GEMMA), device="cpu", local_files_only=True,
                             model_kwargs={"torch_dtype": torch.float32})
    new.max_seq_length = old.max_seq_length = st.max_seq_length = MAX
    vectors = {prompt: (new.encode(batch, prompt, 4), old.encode(batch, prompt, 4),
                        st.encode(batch, prompt_name=prompt, batch_size=4, normalize_embeddings=True,
                                  convert_to_numpy=True))
               for prompt, batch in texts.items()}
    del st
    return {"new": new, "old": old, "vectors": vectors}


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    assert a.shape == b.shape and a.dtype == np.float32
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def test_the_torch_path_is_chosen_for_embeddinggemma(fp32: dict):
    assert fp32["new"].backend == "torch" and fp32["old"].backend == "transformers"
    assert type(fp32["old"].model).__name__ == "Gemma3TextModel"


def test_token_ids_are_transformers(fp32: dict, texts: dict[str, list[str]]):
    new, old = fp32["new"], fp32["old"]
    for prompt, batch in texts.items():
        inputs = [new.prompts[prompt] + t for t in batch]
        for start in range(0, len(inputs), 4):
            part = inputs[start:start + 4]
            ids, mask = new.tokenizer(part, MAX)
            want = old.tokenizer(part, padding=True, truncation="longest_first", max_length=MAX, return_tensors="pt")
            assert ids.tolist() == want["input_ids"].tolist(), part
            assert mask.tolist() == want["attention_mask"].tolist(), part
    ids, mask = new.tokenizer([texts["document"][-1], "Sở Nội vụ"], MAX)
    assert ids.shape == (2, MAX) and ids[0, 0] == 2 and ids[0, -1] == 1  # cut to 512 with <bos> … <eos>
    assert int(mask[1].sum()) < MAX and set(ids[1, int(mask[1].sum()):].tolist()) == {0}  # right-padded with 0
    corpus = "\n".join(p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.txt")))
    pieces = [corpus[i:i + 700] for i in range(0, len(corpus), 700)]
    got = new.tokenizer(pieces, 4096)[0].tolist()
    for piece, ids_row in zip(pieces, got, strict=True):
        want_row = old.tokenizer(piece)["input_ids"]
        assert ids_row[:len(want_row)] == want_row and not any(ids_row[len(want_row):]), piece[:80]


def test_float32_embeddings_are_transformers_and_sentence_transformers(fp32: dict):
    report = {}
    for prompt, (new, old, st) in fp32["vectors"].items():
        for name, ref in (("transformers", old), ("sentence-transformers", st)):
            cosine = _cosines(new, ref)
            report[f"{prompt} vs {name}"] = (round(float(cosine.min()), 7), round(float(cosine.mean()), 7),
                                             float(np.abs(new - ref).max()))
            assert cosine.min() >= 0.9999, (prompt, name, cosine)
    print("float32 cosine min/mean, max abs difference:", report)


def test_padding_and_the_sliding_window(fp32: dict, texts: dict[str, list[str]]):
    """A short text padded next to a 512-token one gets its own vector (its padding rows of the sliding
    layers see no real token), and at 512 tokens the sliding layers do mask (window ±256)."""
    import torch

    new = fp32["new"]
    long, short = texts["document"][-1], texts["query"][0]
    both = new.encode([long, short], "document", batch_size=2)
    alone = new.encode([short], "document")
    assert float(both[1] @ alone[0]) > 0.99999
    masks = new.model._masks(torch.ones(1, MAX, dtype=torch.long))
    sliding = masks["sliding_attention"][0, 0]
    assert masks["full_attention"] is None and sliding[0, 256] and not sliding[0, 257] and not sliding[300, 0]


def test_bfloat16_embeddings_are_transformers(fp32: dict, texts: dict[str, list[str]]):
    import torch

    from assistant.index.encoder import DirectEncoder

    new = DirectEncoder(GEMMA, torch.bfloat16)
    old = DirectEncoder(GEMMA, torch.bfloat16, transformers=True)
    new.max_seq_length = old.max_seq_length = MAX
    report = {}
    for prompt, batch in (("query", texts["query"][:2]), ("document", texts["document"][:2])):  # bf16 is emulated here: short texts
        got = new.encode(batch, prompt, 4)
        same_dtype = _cosines(got, old.encode(batch, prompt, 4))
        full = fp32["vectors"][prompt][0][[texts[prompt].index(t) for t in batch]]
        to_fp32 = _cosines(got, full)
        report[prompt] = {"vs transformers bf16": (float(same_dtype.min()), float(same_dtype.mean())),
                          "vs float32": (float(to_fp32.min()), float(to_fp32.mean()))}
        assert same_dtype.min() >= 0.99 and to_fp32.min() >= 0.99, (prompt, same_dtype, to_fp32)
    print("bfloat16 cosine min/mean:", report)


def test_loading_embeddinggemma_keeps_transformers_out_of_the_process():
    code = f"""
import sys
from assistant.index.embeddings import load_model
model = load_model({str(GEMMA)!r}, dtype="float32")
assert model.backend == "torch", model.backend
vectors = model.encode(["Sở Nội vụ", "Ai chủ trì cải cách tài chính công ở Lạng Sơn?"], "query")
assert vectors.shape == (2, 768), vectors.shape
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("transformers", "sentence_transformers", "sklearn"))
assert not heavy, heavy
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-3000:]
