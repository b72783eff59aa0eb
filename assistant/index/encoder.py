"""A sentence-transformers model folder run directly with transformers, without importing sentence-transformers.

Why: importing sentence-transformers costs about 4 s of a 12 s cold start on a 2-core AVX2 CPU (it imports
scikit-learn and its own trainers and backends at import time), and its loader builds the tokenizer by
converting the 33 MB ``tokenizer.json`` in Python (2.7 s for EmbeddingGemma) where the ``tokenizers``
library reads it natively (1.8 s). Serving needs none of that: a transformer, a pooling, optional dense
layers and a normalisation.

Only folders made of exactly those modules (``modules.json``: Transformer → Pooling with mean or CLS
tokens → Dense layers without activation → Normalize), with a ``tokenizer.json``, are run here
(:func:`supported`); anything else goes through sentence-transformers (:mod:`assistant.index.embeddings`).
The embeddings are those of sentence-transformers: prompts prepended and counted in the pooling, inputs cut to
``max_seq_length`` tokens, texts batched longest first (measured on EmbeddingGemma: cosine 1.0000 to
``SentenceTransformer.encode`` for the questions and the indexed chunks; ``tests/test_encoder.py``).

EmbeddingGemma's transformer itself is run without transformers (:mod:`assistant.index.gemma_encoder`: importing
transformers and its Gemma-3 module and building the model cost several seconds more of the start); other
folders (MiniLM, BERT) go through ``transformers.AutoModel``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_DENSE = "sentence_transformers.models.Dense"
_NORMALIZE = "sentence_transformers.models.Normalize"
_IDENTITY = {"torch.nn.modules.linear.Identity", "torch.nn.Identity"}
_MEAN_OR_CLS = ("pooling_mode_mean_tokens", "pooling_mode_cls_token")


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _modules(folder: Path) -> list[dict[str, Any]]:
    """``modules.json`` with the old ``sentence_transformers.models.X`` and new ``…base.modules…`` names unified."""
    mods = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    for mod in mods:
        mod["type"] = "sentence_transformers.models." + str(mod.get("type", "")).rsplit(".", 1)[-1]
    return mods


def supported(folder: Path) -> str | None:
    """None when ``folder`` can be run directly, else why not (it is then loaded by sentence-transformers)."""
    try:
        mods = _modules(folder)
    except (OSError, ValueError) as exc:
        return f"no readable modules.json ({exc})"
    if not (folder / "tokenizer.json").is_file():
        return "no tokenizer.json"
    kinds = [m["type"] for m in mods]
    if kinds[:2] != [_TRANSFORMER, _POOLING] or mods[0].get("path", "") != "":
        return f"modules {kinds}"
    rest = kinds[2:]
    if rest and rest[-1] == _NORMALIZE:
        rest = rest[:-1]
    if any(k != _DENSE for k in rest):
        return f"modules {kinds}"
    try:
        pooling = _read(folder / mods[1]["path"] / "config.json")
        denses = [_read(folder / m["path"] / "config.json") for m in mods[2:] if m["type"] == _DENSE]
    except (OSError, ValueError, KeyError) as exc:
        return f"unreadable module config ({exc})"
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    if len(modes) != 1 or modes[0] not in _MEAN_OR_CLS or pooling.get("include_prompt", True) is not True:
        return f"pooling {modes}"
    for dense in denses:
        if dense.get("activation_function", "torch.nn.modules.linear.Identity") not in _IDENTITY:
            return f"dense activation {dense.get('activation_function')}"
    if any(not (folder / m["path"] / "model.safetensors").is_file() for m in mods[2:] if m["type"] == _DENSE):
        return "dense weights not in safetensors"
    return None


class DirectEncoder:
    """The model of a :func:`supported` folder with the part of ``SentenceTransformer`` that encodes text."""

    def __init__(self, folder: Path, dtype: Any, transformers: bool = False) -> None:
        """``transformers=True`` runs even an EmbeddingGemma folder through transformers (the reference path)."""
        import torch
        from safetensors.torch import load_file

        from assistant.index.gemma_encoder import GemmaModel, GemmaTokenizer, gemma_config

        mods = _modules(folder)
        st_config = folder / "config_sentence_transformers.json"
        self.prompts: dict[str, str] = _read(st_config).get("prompts") or {} if st_config.is_file() else {}
        bert_config = folder / "sentence_bert_config.json"
        self.max_seq_length: int = int(_read(bert_config).get("max_seq_length") or 512) if bert_config.is_file() else 512
        gemma = None if transformers else gemma_config(folder)
        #: "torch" when the transformer is :mod:`assistant.index.gemma_encoder`'s, else "transformers"
        self.backend = "transformers" if gemma is None else "torch"
        if gemma is not None:
            self.tokenizer: Any = GemmaTokenizer(folder)  # parsed in a thread while the weights load
            self.model: Any = GemmaModel(folder, dtype, gemma)
        else:
            from transformers import AutoModel, TokenizersBackend

            self.tokenizer = TokenizersBackend.from_pretrained(str(folder), local_files_only=True)
            self.model = AutoModel.from_pretrained(str(folder), dtype=dtype, local_files_only=True, use_cache=False)
            self.model.eval()
        pooling = _read(folder / mods[1]["path"] / "config.json")
        self.cls_pooling = bool(pooling.get("pooling_mode_cls_token"))
        self.dense: list[torch.nn.Linear] = []
        for mod in mods[2:]:
            if mod["type"] != _DENSE:
                continue
            cfg = _read(folder / mod["path"] / "config.json")
            layer = torch.nn.Linear(cfg["in_features"], cfg["out_features"], bias=cfg.get("bias", True), dtype=dtype)
            state = load_file(str(folder / mod["path"] / "model.safetensors"))
            layer.load_state_dict({k.removeprefix("linear."): v.to(dtype) for k, v in state.items()})
            self.dense.append(layer.eval())
        self.normalize = mods[-1]["type"] == _NORMALIZE

    def _hidden(self, batch: list[str]) -> tuple[Any, Any]:
        """The transformer's last hidden state for ``batch`` (padded, cut to ``max_seq_length``) and its mask."""
        if self.backend == "torch":
            ids, attention = self.tokenizer(batch, self.max_seq_length)
            return self.model(ids, attention), attention
        enc = self.tokenizer(batch, padding=True, truncation="longest_first", max_length=self.max_seq_length,
                             return_tensors="pt")
        out = self.model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])
        return out.last_hidden_state, enc["attention_mask"]

    def encode(self, texts: list[str], prompt_name: str | None = None, batch_size: int = 16) -> Any:
        """Unit-length float32 embeddings (numpy, one row per text, in the order given)."""
        import numpy as np
        import torch

        prompt = self.prompts.get(prompt_name or "", "")
        inputs = [prompt + t for t in texts]
        order = sorted(range(len(inputs)), key=lambda i: -len(inputs[i]))  # longest first, as sentence-transformers
        parts: list[np.ndarray] = []
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                hidden, attention = self._hidden([inputs[i] for i in order[start:start + batch_size]])
                if self.cls_pooling:
                    vec = hidden[:, 0]
                else:
                    mask = attention.unsqueeze(-1).to(hidden.dtype)
                    vec = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                for layer in self.dense:
                    vec = layer(vec)
                if self.normalize:
                    vec = torch.nn.functional.normalize(vec, p=2, dim=1)
                parts.append(torch.nn.functional.normalize(vec.float(), p=2, dim=1).cpu().numpy())  # as encode(normalize_embeddings=True)
        if not parts:
            return np.zeros((0, 0), dtype=np.float32)
        stacked = np.concatenate(parts)
        result = np.empty_like(stacked)
        result[order] = stacked
        return result.astype(np.float32)
