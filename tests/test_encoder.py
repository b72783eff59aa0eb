"""The direct encoder (assistant/index/encoder.py): which model folders it runs, that its embeddings are
sentence-transformers' own, and that loading a model that way keeps sentence-transformers (and the
scikit-learn it imports) out of the process, which is what makes the start faster."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.index.encoder import supported
from tests.corpus import DATA, ROOT, SMALL_MODEL, needs_small_model

GEMMA = ROOT / "models" / "embeddinggemma-300m"
TEXTS = ["Ai chủ trì cải cách tài chính công ở Lạng Sơn?", "PAPI là gì?", "ai chu tri cai cach tai chinh cong",
         "Who leads public finance reform?", "Chỉ số PAR INDEX đạt từ 85% trở lên. " * 80, "  x  ", "Sở Nội vụ"]


def _folder(tmp_path: Path, *, pooling: str = "pooling_mode_mean_tokens", activation: str | None = None,
            extra: str | None = None, tokenizer: bool = True, weights: bool = True) -> Path:
    """A model folder with the module files `supported` reads (no weights: it only checks the layout)."""
    tmp_path.mkdir(parents=True)
    mods = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.base.modules.Dense"},
            {"idx": 3, "name": "3", "path": "", "type": "sentence_transformers.models.Normalize"}]
    if extra:
        mods.insert(3, {"idx": 9, "name": "9", "path": "9_X", "type": extra})
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "2_Dense").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({pooling: True, "include_prompt": True}))
    dense = {"in_features": 4, "out_features": 4, "bias": False}
    if activation:
        dense["activation_function"] = activation
    (tmp_path / "2_Dense" / "config.json").write_text(json.dumps(dense))
    if weights:
        (tmp_path / "2_Dense" / "model.safetensors").write_bytes(b"")
    (tmp_path / "modules.json").write_text(json.dumps(mods))
    if tokenizer:
        (tmp_path / "tokenizer.json").write_text("{}")
    return tmp_path


def test_supported_layouts(tmp_path: Path):
    assert supported(_folder(tmp_path / "plain")) is None
    assert supported(_folder(tmp_path / "identity", activation="torch.nn.modules.linear.Identity")) is None
    assert supported(_folder(tmp_path / "cls", pooling="pooling_mode_cls_token")) is None
    assert "pooling" in supported(_folder(tmp_path / "max", pooling="pooling_mode_max_tokens"))
    assert "activation" in supported(_folder(tmp_path / "tanh", activation="torch.nn.modules.activation.Tanh"))
    assert "modules" in supported(_folder(tmp_path / "lora", extra="sentence_transformers.models.LayerNorm"))
    assert supported(_folder(tmp_path / "notok", tokenizer=False)) == "no tokenizer.json"
    assert supported(_folder(tmp_path / "bin", weights=False)) == "dense weights not in safetensors"
    assert "modules.json" in supported(tmp_path / "missing")


def _compare(folder: Path, dtype_name: str = "float32") -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    from assistant.index.encoder import DirectEncoder

    dtype = getattr(torch, dtype_name)
    reference = SentenceTransformer(str(folder), device="cpu", local_files_only=True, model_kwargs={"torch_dtype": dtype})
    reference.max_seq_length = min(reference.max_seq_length or 512, 512)
    direct = DirectEncoder(folder, dtype)
    direct.max_seq_length = reference.max_seq_length
    for prompt in [None, *[p for p in ("query", "document") if p in direct.prompts]]:
        want = reference.encode(TEXTS, prompt_name=prompt, batch_size=4, normalize_embeddings=True, convert_to_numpy=True)
        got = direct.encode(TEXTS, prompt, batch_size=4)
        assert got.shape == want.shape and got.dtype == np.float32
        cosine = (got * want).sum(1)
        assert cosine.min() > 0.99999, (prompt, cosine)
        assert np.abs(got - want).max() < 1e-4
        one = direct.encode(TEXTS[:1], prompt)[0]  # alone or in a padded batch: the same vector
        assert float(one @ got[0]) > 0.99999
    assert direct.encode([], None).shape[0] == 0


@needs_small_model
def test_direct_encoder_gives_sentence_transformers_embeddings_small_model():
    from assistant.index.embeddings import _packaged_model

    folder = _packaged_model(SMALL_MODEL)
    assert folder is not None and supported(folder) is None
    _compare(folder)


@pytest.mark.skipif(not (GEMMA / "modules.json").is_file(), reason="EmbeddingGemma not fetched (make run)")
def test_direct_encoder_gives_sentence_transformers_embeddings_embeddinggemma():
    """The bundled model, prompts included: its tokenizer is read from tokenizer.json natively instead of
    being rebuilt by transformers' GemmaTokenizer, and gives the same token ids on the corpus."""
    from transformers import AutoTokenizer, TokenizersBackend

    assert supported(GEMMA) is None
    rebuilt = AutoTokenizer.from_pretrained(str(GEMMA), local_files_only=True)  # what sentence-transformers uses
    native = TokenizersBackend.from_pretrained(str(GEMMA), local_files_only=True)  # what DirectEncoder uses
    assert type(rebuilt).__name__ == "GemmaTokenizer"
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.txt")))
    pieces = [text[i:i + 700] for i in range(0, len(text), 700)] + TEXTS
    for piece in pieces:
        assert native(piece)["input_ids"] == rebuilt(piece)["input_ids"], piece[:80]
    _compare(GEMMA)


@needs_small_model
def test_loading_a_plain_model_keeps_sentence_transformers_out_of_the_process():
    code = f"""
import sys
from assistant.index.embeddings import DirectEncoder, SentenceEmbeddings, load_model
emb = SentenceEmbeddings({SMALL_MODEL!r})
assert isinstance(emb.model, DirectEncoder), type(emb.model)
assert len(emb.embed_query("Sở Nội vụ")) == 384 and len(emb.embed_documents(["a", "b c"])) == 2
heavy = sorted(m for m in ("sentence_transformers", "sklearn") if m in sys.modules)
assert not heavy, heavy
st = load_model({SMALL_MODEL!r}, loader="sentence-transformers")
assert type(st).__name__ == "SentenceTransformer"
try:
    load_model({SMALL_MODEL!r}, loader="onnx")
except ValueError as exc:
    assert "ASSISTANT_EMBEDDING_LOADER" in str(exc)
else:
    raise AssertionError("an unknown loader was accepted")
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-3000:]
