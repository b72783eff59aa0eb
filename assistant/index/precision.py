"""Which numeric precision the embedding model runs in on this CPU.

bf16 halves memory and is fast where the CPU has native bf16 dot products (``avx512_bf16`` or AMX);
everywhere else PyTorch emulates it and it is about 5x slower than float32 (measured on an AVX2-only
AMD EPYC: 0.17 vs 0.95 passages/s). ``auto`` therefore picks bf16 only on such CPUs, and honours the
ISA caps ``ATEN_CPU_CAPABILITY`` / ``ONEDNN_MAX_CPU_ISA`` used to reproduce the slow path.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache

log = logging.getLogger(__name__)

DTYPES = ("auto", "float32", "bfloat16")
_ALIASES = {"fp32": "float32", "bf16": "bfloat16"}
_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The CPU feature flags of the first processor in ``/proc/cpuinfo`` (empty where unreadable)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def _isa_capped() -> str | None:
    """Why AVX-512 kernels are switched off by the environment, or None."""
    aten = os.environ.get("ATEN_CPU_CAPABILITY", "").lower()
    if aten and not aten.startswith("avx512"):
        return f"ATEN_CPU_CAPABILITY={aten}"
    onednn = os.environ.get("ONEDNN_MAX_CPU_ISA", "").lower()
    if onednn and not (onednn.startswith("avx512") or onednn.startswith("amx") or onednn == "all"):
        return f"ONEDNN_MAX_CPU_ISA={onednn}"
    return None


def fast_bf16() -> tuple[bool, str]:
    """Whether bf16 matrix products run natively here, and the reason."""
    found = sorted(_BF16_FLAGS & cpu_flags())
    if not found:
        return False, "the CPU has no avx512_bf16/amx_bf16"
    capped = _isa_capped()
    if capped:
        return False, f"{capped} disables the CPU's {'/'.join(found)}"
    return True, f"the CPU has {'/'.join(found)}"


def choose_dtype(requested: str, *, default_bf16: bool = True) -> tuple[str, str]:
    """Resolve ``requested`` (one of :data:`DTYPES`) to a concrete dtype and say why.

    ``default_bf16`` is False for models that were not trained for bf16 (they stay float32 under ``auto``).
    """
    value = _ALIASES.get(requested.strip().lower(), requested.strip().lower())
    if value not in DTYPES:
        raise ValueError(f"ASSISTANT_EMBEDDING_DTYPE={requested!r} is not one of {', '.join(DTYPES)}")
    if value != "auto":
        return value, "set by ASSISTANT_EMBEDDING_DTYPE"
    fast, why = fast_bf16()
    if fast and default_bf16:
        return "bfloat16", f"auto: {why}"
    return "float32", f"auto: {why}" if default_bf16 else "auto: model default"
