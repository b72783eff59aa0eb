"""The embedding precision is chosen for the CPU: bf16 only where it runs natively."""

from __future__ import annotations

import pytest

from assistant.index import precision


@pytest.fixture
def flags(monkeypatch):
    def set_flags(*names: str) -> None:
        monkeypatch.setattr(precision, "cpu_flags", lambda: frozenset(names))

    monkeypatch.delenv("ATEN_CPU_CAPABILITY", raising=False)
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    return set_flags


def test_auto_picks_float32_without_native_bf16(flags):
    flags("avx2", "fma", "avx512f")  # AVX-512 alone emulates bf16: 5x slower than float32
    dtype, why = precision.choose_dtype("auto")
    assert dtype == "float32"
    assert "avx512_bf16" in why


@pytest.mark.parametrize("flag", ["avx512_bf16", "amx_bf16"])
def test_auto_picks_bf16_with_native_bf16(flags, flag):
    flags("avx2", "avx512f", flag)
    assert precision.choose_dtype("auto")[0] == "bfloat16"


@pytest.mark.parametrize(("var", "value"), [("ATEN_CPU_CAPABILITY", "avx2"), ("ONEDNN_MAX_CPU_ISA", "AVX2")])
def test_isa_caps_that_reproduce_the_slow_path_turn_bf16_off(flags, monkeypatch, var, value):
    flags("avx512f", "avx512_bf16")
    monkeypatch.setenv(var, value)
    dtype, why = precision.choose_dtype("auto")
    assert dtype == "float32"
    assert var in why


def test_explicit_choice_wins_and_aliases_are_understood(flags):
    flags("avx2")
    assert precision.choose_dtype("bf16") == ("bfloat16", "set by ASSISTANT_EMBEDDING_DTYPE")
    assert precision.choose_dtype("FLOAT32")[0] == "float32"


def test_models_not_meant_for_bf16_stay_float32(flags):
    flags("avx512_bf16")
    assert precision.choose_dtype("auto", default_bf16=False)[0] == "float32"


def test_unknown_value_says_what_is_allowed(flags):
    with pytest.raises(ValueError, match="auto, float32, bfloat16"):
        precision.choose_dtype("int4")


def test_cpu_flags_reads_proc_cpuinfo():
    flags = precision.cpu_flags()
    assert isinstance(flags, frozenset)
    with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
        if any(line.startswith("flags") for line in fh):
            assert "fpu" in flags or "sse2" in flags
