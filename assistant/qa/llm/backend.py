"""LLM backends: an OpenAI-compatible chat endpoint through LangChain's ``ChatOpenAI``, and a local
GGUF model served by llama-cpp-python's server on loopback (the ``llm-local`` extra).

Both are reached the same way (``/v1/chat/completions``), so one client class serves vLLM, Ollama,
llama.cpp, a gateway, or the local launcher. Requests have a timeout and retries with exponential
backoff (the OpenAI client's own); generation is streamed so a whole-answer deadline can be kept.
Every failure surfaces as :class:`LLMUnavailable`, which the generator turns into the extractive
answer plus a visible note. The API key is passed to the client only and never logged.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from assistant.core.settings import Settings

log = logging.getLogger(__name__)


class LLMUnavailable(RuntimeError):
    """The LLM could not produce an answer (down, slow, refused, misconfigured); the message is
    safe to show and log (no key)."""


@dataclass(frozen=True)
class Message:
    role: str  # system | user
    content: str


def _to_langchain(messages: list[Message]) -> list[object]:
    from langchain_core.messages import HumanMessage, SystemMessage

    return [SystemMessage(m.content) if m.role == "system" else HumanMessage(m.content) for m in messages]


class ChatBackend:
    """An OpenAI-compatible chat endpoint. ``name`` identifies it in outputs (host and model, no key)."""

    def __init__(self, url: str, model: str, *, api_key: str = "", timeout: float = 60.0, retries: int = 2,
                 max_tokens: int = 400, temperature: float = 0.1, kind: str = "openai-compatible") -> None:
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:  # pragma: no cover - a dependency of the project
            raise LLMUnavailable("langchain-openai is not installed; run `pip install -e .` (it is a project "
                                 "dependency)") from exc
        if not url:
            raise LLMUnavailable("no LLM endpoint configured: set ASSISTANT_LLM_URL (e.g. http://127.0.0.1:8000/v1) "
                                 "or ASSISTANT_LLM_GGUF")
        self.url = url.rstrip("/")
        self.model = model or "default"
        self.timeout = timeout
        self.kind = kind
        host = urlparse(self.url).netloc or self.url
        self.name = f"{kind}:{self.model}@{host}"
        # ChatOpenAI sends max_completion_tokens; llama.cpp's and older vLLM/Ollama servers only read
        # max_tokens and would otherwise generate until the context is full, so both are sent.
        self.client = ChatOpenAI(model=self.model, base_url=self.url, api_key=api_key or "not-needed",
                                 timeout=timeout, max_retries=retries, max_tokens=max_tokens,
                                 temperature=temperature, extra_body={"max_tokens": max_tokens})

    def stream(self, messages: list[Message], *, deadline: float | None = None) -> Iterator[str]:
        """Text pieces as the server sends them. ``deadline`` (``time.monotonic()`` value) bounds the
        whole generation, not only the wait for each piece."""
        try:
            for chunk in self.client.stream(_to_langchain(messages)):
                text = chunk.content if isinstance(chunk.content, str) else ""
                if text:
                    yield text
                if deadline is not None and time.monotonic() > deadline:
                    raise LLMUnavailable(f"the LLM ({self.name}) did not finish within {self.timeout:.0f} s")
        except LLMUnavailable:
            raise
        except Exception as exc:  # openai.APITimeoutError, APIConnectionError, APIStatusError, …
            raise LLMUnavailable(_describe(exc, self.name)) from exc

    def complete(self, messages: list[Message]) -> str:
        """The whole reply, streamed under a deadline of ``timeout`` seconds for the whole answer."""
        deadline = time.monotonic() + self.timeout
        return "".join(self.stream(messages, deadline=deadline))


def _describe(exc: Exception, name: str) -> str:
    kind = type(exc).__name__
    if "Timeout" in kind:
        return f"the LLM ({name}) timed out"
    if "Connection" in kind:
        return f"cannot reach the LLM ({name}): is the server running?"
    status = getattr(exc, "status_code", None)
    if status is not None:
        return f"the LLM ({name}) answered HTTP {status}"
    return f"the LLM ({name}) failed: {kind}"


# -- the local llama.cpp server --------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def llama_server_available() -> bool:
    """True when llama-cpp-python with its server extra is installed (``pip install -e '.[llm-local]'``)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("llama_cpp", "sse_starlette", "starlette_context"))


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to end it when the process that started it dies, so a
    crashed app or test run does not leave a model server behind."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _spawn_owned(cmd: list[str], **popen: object) -> subprocess.Popen[bytes]:
    """Start ``cmd`` from a daemon thread that lives as long as the child: Linux's parent-death signal
    follows the thread that forked, so the child ends with this process but not with a short-lived
    worker thread (Gradio's) that happened to start it."""
    ready = threading.Event()
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["process"] = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                cmd, preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None, **popen)
        except Exception as exc:  # reported to the caller below
            box["error"] = exc
        finally:
            ready.set()
        process = box.get("process")
        if isinstance(process, subprocess.Popen):
            process.wait()

    threading.Thread(target=run, name="llama-server", daemon=True).start()
    ready.wait()
    if "error" in box:
        raise LLMUnavailable(f"cannot start the local LLM server: {box['error']}")
    return box["process"]  # type: ignore[return-value]


class LocalLlamaServer:
    """llama-cpp-python's OpenAI-compatible server for one GGUF file, as a child process on loopback.

    ``start()`` waits until ``/v1/models`` answers; ``stop()`` (or the context manager) ends it.
    """

    def __init__(self, model_path: str | Path, *, n_ctx: int = 4096, threads: int = 2, port: int | None = None,
                 alias: str = "local", chat_format: str = "", log_path: Path | None = None,
                 ready_timeout: float = 120.0) -> None:
        self.model_path = Path(model_path).expanduser()
        self.n_ctx = n_ctx
        self.threads = threads
        self.port = port or free_port()
        self.alias = alias
        #: llama-cpp-python's chat format ("gemma", "chatml", …); empty: the template in the GGUF file
        self.chat_format = chat_format
        self.log_path = log_path
        self.ready_timeout = ready_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> LocalLlamaServer:
        if not self.model_path.is_file():
            raise LLMUnavailable(f"GGUF model file not found: {self.model_path} (ASSISTANT_LLM_GGUF)")
        if not llama_server_available():
            raise LLMUnavailable("the local LLM needs llama-cpp-python with its server: "
                                 "CMAKE_ARGS=\"-DLLAVA_BUILD=OFF\" pip install -e '.[llm-local]'")
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model_path), "--host", "127.0.0.1",
               "--port", str(self.port), "--n_ctx", str(self.n_ctx), "--n_threads", str(self.threads),
               "--n_threads_batch", str(self.threads), "--model_alias", self.alias]
        if self.chat_format:
            cmd += ["--chat_format", self.chat_format]
        self._log_file = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        log.info("starting the local LLM server on %s (%s)", self.url, self.model_path.name)
        # OpenMP threads that spin while waiting make generation ~25x slower on a busy 2-core machine
        # (measured: 2 vs 56 tokens/s with gemma-3-270m), hence a passive wait policy.
        self.process = _spawn_owned(cmd, stdout=self._log_file, stderr=subprocess.STDOUT,
                                    env={"OMP_WAIT_POLICY": "PASSIVE", **os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                where = f"; see {self.log_path}" if self.log_path else ""
                raise LLMUnavailable(f"the local LLM server exited with code {self.process.returncode}{where}")
            try:
                with urllib.request.urlopen(self.url + "/models", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        self.stop()
        raise LLMUnavailable(f"the local LLM server did not become ready within {self.ready_timeout:.0f} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log_file not in (None, subprocess.DEVNULL):
            self._log_file.close()  # type: ignore[union-attr]
        self._log_file = None

    def __enter__(self) -> LocalLlamaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- from settings ---------------------------------------------------------------------------------

def llm_configured(settings: Settings) -> bool:
    return bool(settings.llm_url or settings.llm_gguf)


_LOCAL: LocalLlamaServer | None = None
_LOCAL_LOCK = threading.Lock()


def build_backend(settings: Settings) -> ChatBackend:
    """The backend the settings describe: ``llm_url`` (a server), else ``llm_gguf`` (started here, once
    per process, stopped at exit). Raises :class:`LLMUnavailable` with what to set."""
    common = {"timeout": settings.llm_timeout, "retries": settings.llm_retries,
              "max_tokens": settings.llm_max_tokens, "temperature": settings.llm_temperature}
    if settings.llm_url:
        return ChatBackend(settings.llm_url, settings.llm_model, api_key=settings.llm_api_key, **common)
    if settings.llm_gguf:
        global _LOCAL
        with _LOCAL_LOCK:
            if _LOCAL is None or _LOCAL.process is None or _LOCAL.process.poll() is not None:
                import atexit

                _LOCAL = LocalLlamaServer(settings.llm_gguf, n_ctx=settings.llm_gguf_ctx,
                                          threads=settings.torch_threads,
                                          chat_format=settings.llm_gguf_chat_format).start()
                atexit.register(_LOCAL.stop)
            return ChatBackend(_LOCAL.url, _LOCAL.alias, kind="llama-cpp", **common)
    raise LLMUnavailable("no LLM configured: set ASSISTANT_LLM_URL (and ASSISTANT_LLM_MODEL) or ASSISTANT_LLM_GGUF")
