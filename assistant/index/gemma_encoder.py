"""EmbeddingGemma's transformer (``gemma3_text`` with bidirectional attention) in plain torch: weights mapped
from ``model.safetensors``, text tokenized by the ``tokenizers`` library, no transformers.

Why: through transformers, loading EmbeddingGemma-300m took about 12.5 s of an 18 s cold start on a 2-core
CPU: importing transformers' names (1.1 s), its Gemma-3 modelling module (2.4 s: it imports torch._dynamo,
sympy, scipy and torch.distributed.tensor), then building the model and copying 1.2 GB of weights into it.
Here safetensors maps the file (float32 weights are used in place, without a copy), the 805 MB embedding table
is never converted (only the looked-up rows are read, then cast), and ``tokenizer.json`` (1.2 s to parse) is
parsed in a thread while the weights load.

The arithmetic is transformers 5.x ``Gemma3TextModel``'s, step for step, so that an index built either way is
the same (cosine >= 0.9999 in float32, ``tests/test_gemma_encoder.py``). Its less obvious points: the embedding
scale sqrt(hidden_size) is rounded to the model dtype; RMSNorm is ``x * (1 + w)`` in float32 with ``w`` first
rounded to the model dtype; ``use_bidirectional_attention`` makes transformers' config store the window as
``sliding_window // 2 + 1`` and the sliding layers attend to keys at distance < that (±256 tokens for
EmbeddingGemma, so inputs longer than 257 tokens are masked); the full-attention layers see every unpadded key.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F


def gemma_config(folder: Path) -> dict[str, Any] | None:
    """The folder's ``config.json`` when this module can run it (bidirectional Gemma-3 text, one safetensors
    file), else None (it then goes through transformers)."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ropes = config.get("rope_parameters") or {}
    plain = (not config.get("attn_logit_softcapping") and not config.get("rope_scaling")
             and all((r or {}).get("rope_type", "default") == "default" for r in ropes.values()))
    if (config.get("model_type") != "gemma3_text" or config.get("use_bidirectional_attention") is not True or not plain
            or not isinstance(config.get("sliding_window"), int)
            or config.get("hidden_activation", "gelu_pytorch_tanh") != "gelu_pytorch_tanh"
            or not (folder / "model.safetensors").is_file() or not (folder / "tokenizer.json").is_file()):
        return None
    return config


class GemmaTokenizer:
    """``tokenizer.json`` read by ``tokenizers`` (in a thread, started at construction), set up as transformers'
    tokenizer for this folder: the file's template adds ``<bos>`` and ``<eos>``, the text is cut on the right so
    that with those two it is at most ``max_length`` tokens, padding is on the right with the pad token (id 0)."""

    def __init__(self, folder: Path) -> None:
        config_path = folder / "tokenizer_config.json"
        config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.is_file() else {}
        pad = config.get("pad_token") or "<pad>"
        self._pad = pad.get("content", "<pad>") if isinstance(pad, dict) else str(pad)
        self._side = config.get("padding_side", "right")
        self._truncation_side = config.get("truncation_side", "right")
        self._loaded: Any = None
        self._max_length = 0
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._load, args=(folder / "tokenizer.json",), daemon=True,
                                        name="gemma-tokenizer")
        self._thread.start()

    def _load(self, path: Path) -> None:
        try:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(path))
            pad_id = tokenizer.token_to_id(self._pad)
            tokenizer.enable_padding(direction=self._side, pad_id=0 if pad_id is None else pad_id, pad_token=self._pad)
            self._loaded = tokenizer
        except BaseException as exc:  # re-raised in the thread that uses the tokenizer
            self._error = exc

    @property
    def tokenizer(self) -> Any:
        """The ``tokenizers.Tokenizer`` (waits for the loading thread)."""
        if self._loaded is None:
            self._thread.join()
            if self._error is not None:
                raise self._error
        return self._loaded

    def __call__(self, texts: list[str], max_length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids and attention mask (int64, batch x longest) of ``texts``, each cut to ``max_length``."""
        tokenizer = self.tokenizer
        if max_length != self._max_length:
            tokenizer.enable_truncation(max_length=max_length, strategy="longest_first", direction=self._truncation_side)
            self._max_length = max_length
        encoded = tokenizer.encode_batch(texts, add_special_tokens=True)
        ids = torch.tensor([e.ids for e in encoded], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in encoded], dtype=torch.long)
        return ids, mask


def _rms_norm(x: torch.Tensor, scale: torch.Tensor, eps: float) -> torch.Tensor:
    """Gemma's RMSNorm; ``scale`` is ``1 + weight`` in float32, as transformers computes it."""
    xf = x.float()
    return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps) * scale).type_as(x)


def _rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return x * cos + torch.cat((-x[..., half:], x[..., :half]), dim=-1) * sin


class GemmaModel:
    """The transformer's last hidden state for a batch of token ids (``__call__``), in ``dtype``."""

    def __init__(self, folder: Path, dtype: torch.dtype, config: dict[str, Any] | None = None) -> None:
        from safetensors.torch import load_file

        config = config or gemma_config(folder)
        if config is None:
            raise ValueError(f"{folder} is not a bidirectional gemma3_text model")
        self.dtype = dtype
        self.eps = float(config.get("rms_norm_eps", 1e-6))
        self.heads = int(config["num_attention_heads"])
        self.kv_heads = int(config.get("num_key_value_heads", self.heads))
        self.head_dim = int(config.get("head_dim") or config["hidden_size"] // self.heads)
        self.scaling = float(config.get("query_pre_attn_scalar") or self.head_dim) ** -0.5
        self.window = int(config["sliding_window"]) // 2 + 1  # as transformers' config stores it when bidirectional
        self.layer_types: list[str] = list(config.get("layer_types") or [
            "full_attention" if (i + 1) % int(config.get("_sliding_window_pattern", 6)) == 0 else "sliding_attention"
            for i in range(int(config["num_hidden_layers"]))])
        ropes = config.get("rope_parameters") or {}
        self.theta = {"full_attention": float((ropes.get("full_attention") or {}).get("rope_theta")
                                              or config.get("rope_theta") or 1_000_000.0),
                      "sliding_attention": float((ropes.get("sliding_attention") or {}).get("rope_theta")
                                                 or config.get("rope_local_base_freq") or 10_000.0)}
        self.embed_scale = torch.tensor(float(config["hidden_size"]) ** 0.5, dtype=dtype)
        weights = {k.removeprefix("model."): v for k, v in load_file(str(folder / "model.safetensors")).items()}
        self.embedding = weights.pop("embed_tokens.weight")  # mapped, never converted: rows are cast after lookup
        self.final_norm = self._norm(weights.pop("norm.weight"))
        self.layers = [self._layer(weights, i) for i in range(int(config["num_hidden_layers"]))]

    def _norm(self, weight: torch.Tensor) -> torch.Tensor:
        return 1.0 + weight.to(self.dtype).float()  # the weight is held in the model dtype, then used in float32

    def _layer(self, weights: dict[str, torch.Tensor], i: int) -> dict[str, torch.Tensor]:
        prefix = f"layers.{i}."
        names = [k.removeprefix(prefix) for k in list(weights) if k.startswith(prefix)]
        layer = {name: weights.pop(prefix + name) for name in names}
        return {name: self._norm(w) if name.endswith("norm.weight") else w.to(self.dtype) for name, w in layer.items()}

    def _rope(self, length: int) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        positions = torch.arange(length, dtype=torch.float32)
        tables = {}
        for kind, base in self.theta.items():
            inv_freq = 1.0 / (base ** (torch.arange(0, self.head_dim, 2, dtype=torch.float32) / self.head_dim))
            freqs = positions[:, None] * inv_freq[None, :]
            angles = torch.cat((freqs, freqs), dim=-1)
            tables[kind] = (angles.cos().to(self.dtype), angles.sin().to(self.dtype))
        return tables

    def _masks(self, attention_mask: torch.Tensor) -> dict[str, torch.Tensor | None]:
        """Boolean masks (broadcast to batch, heads, query, key), True = attend; None where nothing is masked."""
        valid = attention_mask.bool()[:, None, None, :]
        length = attention_mask.shape[1]
        keys = valid if not bool(valid.all()) else None  # padded keys are masked
        if length <= self.window:  # the window covers the whole input
            return {"full_attention": keys, "sliding_attention": keys}
        pos = torch.arange(length)
        sliding = ((pos[:, None] - pos[None, :]).abs() < self.window)[None, None] & valid
        # a padding query far from every real token would attend to nothing (NaN): let it see everything;
        # padded positions are left out of the pooling anyway
        sliding |= ~sliding.any(-1, keepdim=True)
        return {"full_attention": keys, "sliding_attention": sliding}

    def _attention(self, x: torch.Tensor, w: dict[str, torch.Tensor], rope: tuple[torch.Tensor, torch.Tensor],
                   mask: torch.Tensor | None) -> torch.Tensor:
        batch, length, _ = x.shape
        q = F.linear(x, w["self_attn.q_proj.weight"]).view(batch, length, -1, self.head_dim).transpose(1, 2)
        k = F.linear(x, w["self_attn.k_proj.weight"]).view(batch, length, -1, self.head_dim).transpose(1, 2)
        v = F.linear(x, w["self_attn.v_proj.weight"]).view(batch, length, -1, self.head_dim).transpose(1, 2)
        cos, sin = rope
        q = _rotate(_rms_norm(q, w["self_attn.q_norm.weight"], self.eps), cos, sin)
        k = _rotate(_rms_norm(k, w["self_attn.k_norm.weight"], self.eps), cos, sin)
        if self.heads != self.kv_heads:  # grouped-query attention: each key/value head serves several queries
            group = self.heads // self.kv_heads
            k = k[:, :, None].expand(batch, self.kv_heads, group, length, self.head_dim).reshape(q.shape)
            v = v[:, :, None].expand(batch, self.kv_heads, group, length, self.head_dim).reshape(q.shape)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=self.scaling)
        return F.linear(out.transpose(1, 2).reshape(batch, length, -1), w["self_attn.o_proj.weight"])

    def _block(self, x: torch.Tensor, w: dict[str, torch.Tensor], rope: tuple[torch.Tensor, torch.Tensor],
               mask: torch.Tensor | None) -> torch.Tensor:
        eps = self.eps
        h = self._attention(_rms_norm(x, w["input_layernorm.weight"], eps), w, rope, mask)
        x = x + _rms_norm(h, w["post_attention_layernorm.weight"], eps)
        h = _rms_norm(x, w["pre_feedforward_layernorm.weight"], eps)
        h = F.gelu(F.linear(h, w["mlp.gate_proj.weight"]), approximate="tanh") * F.linear(h, w["mlp.up_proj.weight"])
        h = F.linear(h, w["mlp.down_proj.weight"])
        return x + _rms_norm(h, w["post_feedforward_layernorm.weight"], eps)

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Last hidden state (batch, length, hidden) of right-padded ``input_ids``."""
        x = F.embedding(input_ids, self.embedding).to(self.dtype) * self.embed_scale
        ropes = self._rope(input_ids.shape[1])
        masks = self._masks(attention_mask)
        for kind, layer in zip(self.layer_types, self.layers, strict=True):
            x = self._block(x, layer, ropes[kind], masks[kind])
        return _rms_norm(x, self.final_norm, self.eps)
