"""All settings in one typed place; each can be overridden by an ``ASSISTANT_*`` environment variable."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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


_ENV_PREFIX = "ASSISTANT_"


def get_settings(**overrides: object) -> Settings:
    """Settings from defaults, then ``ASSISTANT_<FIELD>`` env vars, then explicit overrides."""
    values: dict[str, object] = {}
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
