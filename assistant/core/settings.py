"""All settings in one typed place; each can be overridden by an ``ASSISTANT_*`` environment variable.

Built on pydantic-settings, so reading the environment and the ``ASSISTANT_CONFIG`` TOML file, and turning
their strings into ints, floats, booleans and paths, is the library's job rather than hand-written code;
a value that does not fit its field stops with one line naming the variable and what it expects.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]

_ENV_PREFIX = "ASSISTANT_"
_CONFIG_VAR = _ENV_PREFIX + "CONFIG"
_SECRETS = frozenset({"llm_api_key"})  # their values never appear in messages


def _default_model_dir() -> Path:
    return PROJECT_ROOT / "models"


class Settings(BaseSettings):
    """Runtime configuration (immutable). Build with :func:`get_settings`; copy with ``model_copy(update=…)``."""

    model_config = SettingsConfigDict(
        env_prefix=_ENV_PREFIX,
        env_ignore_empty=True,  # ASSISTANT_TOP_K= (empty) means "not set"
        frozen=True,  # hashable, compared with ==
        extra="forbid",
        protected_namespaces=(),  # model_dir is a field, not pydantic's
    )

    data_dir: Path = PROJECT_ROOT / "data"
    store: Path = PROJECT_ROOT / "vectorstore"
    model_dir: Path = Field(default_factory=_default_model_dir)
    #: Name or path of a sentence-transformers model; empty means the bundled EmbeddingGemma-300m.
    embedding_model: str = ""
    #: Precision of the embedding model: auto (bf16 only on CPUs with native bf16, else float32),
    #: float32 or bfloat16. See assistant/index/precision.py.
    embedding_dtype: str = "auto"
    #: How the embedding model is run: auto (directly when the model folder is a plain transformer + pooling +
    #: dense + normalize stack, which starts ~4 s faster, and EmbeddingGemma without transformers, faster still;
    #: else sentence-transformers), transformers (directly, but always through transformers) or
    #: sentence-transformers (always). See assistant/index/encoder.py and gemma_encoder.py.
    embedding_loader: str = "auto"
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
    #: The first N passages of the dense and of the BM25 ranking are always among the first five returned.
    retrieval_heads: int = Field(default=2, ge=0)
    #: Minimum weighted coverage of the question's terms by an evidence sentence; below it we abstain.
    abstain_threshold: float = 0.2
    #: Probability of being right below which a drafted fact is not stated, only its passages shown;
    #: unset = the threshold chosen with the confidence model (``qa/answer/data/confidence.json``);
    #: 0 states every drafted fact (how the model's training answers are collected).
    confidence_threshold: float | None = None
    #: Order the candidate sentences with the learned selector (``qa/answer/data/selection.json``);
    #: false uses the hand-set score alone (to compare, or before a selector has been trained).
    learned_selection: bool = True
    torch_threads: int = 2
    max_question_chars: int = 2000
    feedback_db: Path = PROJECT_ROOT / "var" / "feedback.sqlite3"
    log_level: str = "INFO"
    # -- adding documents (python -m assistant docs add, and the "Tài liệu" tab) ----------------------
    #: Largest file accepted, in MB (bigger ones are refused with a message saying to split them).
    max_file_mb: int = 20
    #: Most files accepted in one upload or one ``docs add``.
    max_files: int = 50
    #: Users (comma-separated) who may add, replace and delete documents in the app when login is on
    #: (``ASSISTANT_AUTH``); without login only a loopback app's single local user may.
    editors: str = ""
    #: Where uploaded files are kept (each under its document id); empty = ``<store>/uploads``.
    uploads_dir: Path | None = None
    #: OCR of scanned PDF pages: Tesseract language(s) and the resolution pages are rendered at (dpi).
    ocr_languages: str = "vie"
    ocr_dpi: int = 300
    # -- optional LLM generation (off unless a URL or a GGUF file is given; see README "LLM") --------
    #: OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp server, a gateway), e.g. http://host:8000/v1
    llm_url: str = ""
    llm_model: str = ""
    #: Never logged nor shown (``repr=False``; error messages omit its value); empty: the server needs no key.
    llm_api_key: str = Field(default="", repr=False)
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

    @property
    def editor_names(self) -> frozenset[str]:
        """The user names of ``editors``."""
        return frozenset(name.strip() for name in self.editors.split(",") if name.strip())

    @property
    def uploads(self) -> Path:
        """Where uploaded files are kept."""
        return self.uploads_dir or self.store / "uploads"

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:  # one line per bad value instead of pydantic's report
            raise ValueError(_explain(exc, values)) from None

    @field_validator("*", mode="after")
    @classmethod
    def _expand_user(cls, value: Any) -> Any:
        return value.expanduser() if isinstance(value, Path) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Highest first: explicit values, ``ASSISTANT_<FIELD>``, the ``ASSISTANT_CONFIG`` file (no .env, no secrets
        dir); fields found in none keep their defaults."""
        path = os.environ.get(_CONFIG_VAR)
        if not path:
            return init_settings, env_settings
        return init_settings, env_settings, _ConfigFile(settings_cls, path)


class _ConfigFile(TomlConfigSettingsSource):
    """Settings from the TOML file named by ``ASSISTANT_CONFIG`` (keys are the field names, e.g.
    ``llm_url = "http://127.0.0.1:8000/v1"``), so secrets need not sit in the environment. Unlike the stock
    source, a missing or unreadable file and an unknown key are errors, not silently ignored."""

    def __init__(self, settings_cls: type[BaseSettings], path: str) -> None:
        self.path = path
        file = Path(path).expanduser()
        if not file.is_file():
            raise ValueError(f"cannot read the settings file {path} ({_CONFIG_VAR}): no such file")
        super().__init__(settings_cls, toml_file=file)

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        try:
            with file_path.open("rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"cannot read the settings file {self.path} ({_CONFIG_VAR}): {exc}") from exc
        unknown = sorted(set(data) - set(Settings.model_fields))
        if unknown:
            raise ValueError(f"{self.path}: unknown settings {unknown}; use the ASSISTANT_* names in lower case "
                             "without the prefix, e.g. llm_url")
        return data


_EXPECTED: dict[Any, str] = {int: "an integer", float: "a number", bool: "a boolean (1/true/yes/on or 0/false/no/off)",
             Path: "a path", str: "a string"}


def _explain(exc: ValidationError, init_values: dict[str, Any]) -> str:
    """``Invalid value for ASSISTANT_TOP_K: 'abc' is not an integer.`` for each bad value, naming where it came
    from by the same precedence the sources follow (explicit value, environment, file)."""
    problems = []
    for error in exc.errors(include_url=False):
        name = str(error["loc"][0]) if error["loc"] else ""
        field = Settings.model_fields.get(name)
        if field is None:
            problems.append(f"unknown setting {name!r}" if error["type"] == "extra_forbidden" else error["msg"])
            continue
        env = _ENV_PREFIX + name.upper()
        if name in init_values:
            where = name
        elif os.environ.get(env):
            where = env
        else:
            where = f"{name} in {os.environ.get(_CONFIG_VAR)} ({_CONFIG_VAR})"
        expected = _EXPECTED.get(field.annotation) or error["msg"]
        shown = "the value" if name in _SECRETS else repr(error.get("input"))
        problems.append(f"Invalid value for {where}: {shown} is not {expected}.")
    return " ".join(problems)


def get_settings(**overrides: object) -> Settings:
    """Settings from defaults, then the ``ASSISTANT_CONFIG`` file, then ``ASSISTANT_<FIELD>`` env vars,
    then explicit overrides (``None`` ones are ignored, so CLI options left unset fall through)."""
    unknown = sorted(set(overrides) - set(Settings.model_fields))
    if unknown:
        raise TypeError(f"get_settings() got unexpected settings {unknown}")
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
