"""All settings in one typed place; each can be overridden by an ``ASSISTANT_*`` environment variable."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _default_model_dir() -> Path:
    return PROJECT_ROOT / "models"


@dataclass(frozen=True)
class Settings:
    """Runtime configuration. Build with :func:`get_settings` so env vars are applied."""

    data_dir: Path = PROJECT_ROOT / "data"
    store: Path = PROJECT_ROOT / "vectorstore"
    model_dir: Path = field(default_factory=_default_model_dir)
    #: Name or path of a sentence-transformers model; empty means the bundled EmbeddingGemma-300m.
    embedding_model: str = ""
    #: Precision of the embedding model: auto (bf16 only on CPUs with native bf16, else float32),
    #: float32 or bfloat16. See assistant/index/precision.py.
    embedding_dtype: str = "auto"
    collection: str = "cchc"
    #: URL of a Chroma server (``chroma run``), e.g. http://10.0.0.5:8000; empty = the local ``store`` folder.
    chroma_url: str = ""
    #: The app checks this often (seconds) whether an ingest published a new index, and loads it; 0 = never.
    reload_seconds: int = 30
    tiktoken_cache: Path = PROJECT_ROOT / "models" / "tiktoken"
    #: Token budget of a chunk (cl100k_base tokens) and the size under which siblings are merged.
    chunk_max_tokens: int = 380
    chunk_min_tokens: int = 60
    #: Candidates taken from each retriever before fusion, and contexts returned after it.
    candidates: int = 30
    top_k: int = 6
    rrf_k: int = 60
    #: Minimum weighted coverage of the question's terms by an evidence sentence; below it we abstain.
    abstain_threshold: float = 0.2
    torch_threads: int = 2
    max_question_chars: int = 2000
    feedback_db: Path = PROJECT_ROOT / "var" / "feedback.sqlite3"
    log_level: str = "INFO"
    # -- optional LLM generation (off unless a URL or a GGUF file is given; see README "LLM") --------
    #: OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp server, a gateway), e.g. http://host:8000/v1
    llm_url: str = ""
    llm_model: str = ""
    #: Never logged nor shown (``repr=False``); empty means the server needs no key.
    llm_api_key: str = field(default="", repr=False)
    #: A local GGUF file served by llama-cpp-python's server on loopback (the ``llm-local`` extra).
    llm_gguf: str = ""
    llm_gguf_ctx: int = 4096
    #: llama-cpp-python chat format for a GGUF without a chat template (e.g. "gemma", "chatml"); empty: auto.
    llm_gguf_chat_format: str = ""
    #: Seconds per request, retries (with exponential backoff, by the OpenAI client), and the whole
    #: generation's wall-clock limit; past any of them the extractive answer is shown with a note.
    llm_timeout: float = 60.0
    llm_retries: int = 2
    llm_max_tokens: int = 400
    llm_temperature: float = 0.1
    #: Tokens of source text packed into the prompt, counted with this tiktoken encoding.
    llm_context_tokens: int = 2500
    llm_encoding: str = "cl100k_base"
    #: Retrieved sections offered to the LLM besides the extractive answer's citations.
    llm_extra_sources: int = 2
    #: Use the LLM by default when one is configured (the CLI's --llm / --no-llm and the chat switch override).
    llm_default: bool = False


_ENV_PREFIX = "ASSISTANT_"


def _file_values() -> dict[str, object]:
    """Settings from the TOML file named by ``ASSISTANT_CONFIG`` (keys are the field names, e.g.
    ``llm_url = "http://127.0.0.1:8000/v1"``), so secrets need not sit in the environment."""
    path = os.environ.get(_ENV_PREFIX + "CONFIG")
    if not path:
        return {}
    try:
        with open(Path(path).expanduser(), "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read the settings file {path} (ASSISTANT_CONFIG): {exc}") from exc
    unknown = sorted(set(data) - {f.name for f in fields(Settings)})
    if unknown:
        raise ValueError(f"{path}: unknown settings {unknown}; use the ASSISTANT_* names in lower case without "
                         "the prefix, e.g. llm_url")
    return data


def get_settings(**overrides: object) -> Settings:
    """Settings from defaults, then the ``ASSISTANT_CONFIG`` file, then ``ASSISTANT_<FIELD>`` env vars,
    then explicit overrides."""
    values: dict[str, object] = _file_values()
    for f in fields(Settings):
        raw = os.environ.get(_ENV_PREFIX + f.name.upper())
        if raw is None or raw == "":
            continue
        current = Settings.__dataclass_fields__[f.name].default
        if f.name == "model_dir" or isinstance(current, Path):
            values[f.name] = Path(raw).expanduser()
        elif isinstance(current, bool):
            values[f.name] = raw.lower() in {"1", "true", "yes", "on"}
        elif isinstance(current, int):
            values[f.name] = int(raw)
        elif isinstance(current, float):
            values[f.name] = float(raw)
        else:
            values[f.name] = raw
    values.update({k: v for k, v in overrides.items() if v is not None})
    for key in ("data_dir", "store", "model_dir", "tiktoken_cache", "feedback_db"):
        if key in values and not isinstance(values[key], Path):
            values[key] = Path(str(values[key])).expanduser()
    return replace(Settings(), **values)  # type: ignore[arg-type]
