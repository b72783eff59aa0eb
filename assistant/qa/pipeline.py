"""The question-answering pipeline as an LCEL chain of named steps: ``prepare`` (validate, contextualise a
follow-up, analyse the question once) → ``retrieve`` (the hybrid retriever, invoked as a Runnable) →
``draft`` (commitments tables or the extractive answerer) → ``finish`` (optional LLM rewrite, verified
against the sources, with the extractive answer as its fallback).

One :class:`Pipeline` is built lazily per process (``get_pipeline``) and shared: the CLI, the eval
runner and every Gradio session go through the same code path (:mod:`assistant.qa.records` for JSONL).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from langchain_core.documents import Document
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from assistant.core.settings import Settings, get_settings
from assistant.index.commitments_db import commitments_of
from assistant.lexicon.gazetteer import canonical_province
from assistant.qa.analyse import QueryAnalysis, analyse, contextualise
from assistant.qa.answer import Answer, CorpusView, ExtractiveAnswerer, context_of
from assistant.qa.answer.confidence import judge, shipped_model, signals
from assistant.qa.answer.ranker import shipped_selector
from assistant.qa.llm.backend import build_backend, llm_configured
from assistant.qa.llm.generate import LLMAnswerer, needs_context, rewrite_followup
from assistant.qa.retrieve import HybridIndex, HybridRetriever
from assistant.qa.tables import CommitmentAnswerer

log = logging.getLogger(__name__)


class QuestionError(ValueError):
    """The question or a filter cannot be used; the message says what to change."""


@dataclass
class Request:
    question: str
    province: str | None = None
    doc_id: str | None = None
    year: int | None = None
    history: list[str] | None = None
    #: Ask the LLM (when one is configured); None means the configured default.
    llm: bool | None = None


@dataclass(frozen=True)
class Turn:
    """One question on its way through the chain; each step returns it with its own result added."""

    #: The question as asked (trimmed, cut to the maximum length), and as understood (a follow-up
    #: rewritten with the previous question's context; else the same).
    question: str
    rewritten: str
    #: Metadata filters of the request (province, doc_id, year), checked against the index.
    filters: dict[str, Any]
    #: Said before the answer (the question was cut), or None.
    note: str | None
    #: The one analysis of the question that retrieval and answering share.
    analysis: QueryAnalysis
    #: Ask the LLM for this question.
    llm: bool
    docs: list[Document] | None = None
    draft: Answer | None = None


class Pipeline:
    def __init__(self, settings: Settings | None = None) -> None:
        from assistant.index.embeddings import SentenceEmbeddings
        from assistant.index.store import open_store

        started = time.perf_counter()
        #: seconds spent in each step of the start, logged and read by bench/bench_answer.py
        self.load_steps: dict[str, float] = {}
        mark = started

        def step(name: str) -> None:
            nonlocal mark
            now = time.perf_counter()
            self.load_steps[name] = now - mark
            mark = now

        self.settings = settings or get_settings()
        self.store = open_store(self.settings, create=False)
        if self.store.count() == 0:
            from assistant.index.store import StoreError

            raise StoreError(f"the index in {self.settings.store} is empty. Build it with `python ingest.py`.")
        step("store")
        self.index = HybridIndex(self.store)
        step("chunks and lexical tables")
        self.embeddings = SentenceEmbeddings(self.store.model, self.settings.torch_threads)
        self.embeddings.embed_query("khởi động")  # load the model now, not on the first question
        step("embedding model")
        self.retriever = HybridRetriever(index=self.index, embeddings=self.embeddings, k=self.settings.top_k,
                                         candidates=self.settings.candidates, rrf_k=self.settings.rrf_k,
                                         heads=self.settings.retrieval_heads)
        self.corpus = CorpusView.from_index(self.index, self.embeddings)
        self.answerer = ExtractiveAnswerer(self.corpus, threshold=self.settings.abstain_threshold,
                                           selector=shipped_selector() if self.settings.learned_selection else None)
        step("corpus view and answerer")
        self.commitment_db = commitments_of(self.store, self.settings.store)
        self.commitments = CommitmentAnswerer(self.commitment_db, self.index.documents)
        self.confidence = shipped_model()
        self.generator: LLMAnswerer | None = None
        if llm_configured(self.settings):
            self.generator = LLMAnswerer(self.settings, lambda: build_backend(self.settings))
        self.chain = self._build_chain()
        step("commitments, confidence, chain")
        self.load_seconds = time.perf_counter() - started
        log.info("pipeline ready in %.1fs (%d chunks; %s)", self.load_seconds, len(self.index.chunks),
                 ", ".join(f"{k} {v:.2f}s" for k, v in self.load_steps.items()))

    def documents(self) -> dict[str, dict[str, Any]]:
        return self.index.documents

    # -- chain ------------------------------------------------------------------------------------
    def _prepare(self, req: Request) -> Turn:
        """Validate the request, rewrite a follow-up with its context, and analyse the question (once)."""
        question, note = self._question(req.question)
        filters = self._filters(req)
        use_llm = (self.settings.llm_default and self.generator is not None) if req.llm is None else req.llm
        if use_llm and self.generator is None:
            raise QuestionError("Chưa cấu hình LLM: đặt ASSISTANT_LLM_URL (và ASSISTANT_LLM_MODEL) hoặc "
                                "ASSISTANT_LLM_GGUF, xem README mục LLM.")
        rewritten = contextualise(question, req.history)
        if use_llm and rewritten == question and req.history and needs_context(question, req.history):
            rewritten = rewrite_followup(self.generator, question, req.history) or question
        analysis = analyse(rewritten)
        if rewritten != question:
            # what is asked comes from the follow-up itself; places and documents from the context. The
            # follow-up is a different string from the rewritten question, so it is analysed on its own.
            own = analyse(question)
            if own.intent != "general":
                analysis.intent, analysis.sub_intent = own.intent, own.sub_intent
        return Turn(question=question, rewritten=rewritten, filters=filters, note=note, analysis=analysis,
                    llm=bool(use_llm))

    def _question(self, text: str | None) -> tuple[str, str | None]:
        """The question, trimmed and cut to ``max_question_chars``, and the note saying so if it was cut."""
        question = (text or "").strip()
        if not question or not any(ch.isalnum() for ch in question):
            raise QuestionError("Câu hỏi đang trống. Hãy nhập một câu hỏi về kế hoạch cải cách hành chính.")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            return question[:limit], f"Câu hỏi dài quá {limit} ký tự nên chỉ phần đầu được dùng."
        return question, None

    def _filters(self, req: Request) -> dict[str, Any]:
        """The request's province, document and year as retrieval filters; unknown ones are refused."""
        filters: dict[str, Any] = {}
        if req.province:
            province = canonical_province(req.province)
            if province is None or province not in self.index.provinces:
                known = ", ".join(self.index.provinces)
                raise QuestionError(f"Không có tài liệu nào của tỉnh '{req.province}'. Các tỉnh hiện có: {known}.")
            filters["province"] = province
        if req.doc_id:
            if req.doc_id not in self.index.documents:
                raise QuestionError(f"Không có tài liệu '{req.doc_id}'. Xem danh sách bằng `python -m assistant docs`.")
            filters["doc_id"] = req.doc_id
        if req.year:
            filters["year"] = int(req.year)
        return filters

    def _retrieve(self, turn: Turn, config: RunnableConfig) -> Turn:
        """The retriever as a Runnable (its run nests under the chain's), with the turn's filters and analysis."""
        docs = self.retriever.invoke(turn.rewritten, config, filters=turn.filters, analysis=turn.analysis)
        return replace(turn, docs=docs)

    def _draft(self, turn: Turn) -> Turn:
        """The offline answer, always computed and the fallback of the LLM step: from the commitments
        tables for comparisons and listings over many plans when they can answer, else extractive;
        its fact stated only when the confidence model is sure enough (else the passages are shown)."""
        docs = turn.docs or []
        answer = self.commitments.answer(turn.analysis, filters=turn.filters)
        if answer is not None:
            answer.contexts = [context_of(d) for d in docs]
        else:
            answer = self.answerer.answer(turn.analysis, docs)
        judge(answer, signals(turn.analysis, docs, answer, answer.signals), self.confidence,
              self.settings.confidence_threshold)
        answer.question = turn.question
        if turn.rewritten != turn.question:
            answer.rewritten_question = turn.rewritten
        return replace(turn, draft=answer)

    def _finish(self, turn: Turn) -> Answer:
        """The optional LLM rewrite with verification, then the question-length note."""
        answer = turn.draft
        assert answer is not None, "the draft step runs before finish"
        if turn.llm and self.generator is not None:
            answer = self.generator.improve(answer, turn.docs or [], turn.rewritten)
        if turn.note:
            answer.answer = f"_{turn.note}_\n\n{answer.answer}"
        return answer

    def _build_chain(self) -> Runnable[Request, Answer]:
        return (RunnableLambda(self._prepare, name="prepare")
                | RunnableLambda(self._retrieve, name="retrieve")
                | RunnableLambda(self._draft, name="draft")
                | RunnableLambda(self._finish, name="finish")).with_config(run_name="qa")

    @property
    def llm_available(self) -> bool:
        """An LLM is configured (whether it answers is only known when asked)."""
        return self.generator is not None

    def ask(self, question: str, *, province: str | None = None, doc_id: str | None = None,
            year: int | None = None, history: list[str] | None = None, llm: bool | None = None) -> Answer:
        return self.chain.invoke(Request(question, province, doc_id, year, history, llm))


_PIPELINE: Pipeline | None = None
_LOCK = threading.Lock()


def get_pipeline(settings: Settings | None = None) -> Pipeline:
    """The process-wide pipeline, built on first use."""
    global _PIPELINE
    with _LOCK:
        if _PIPELINE is None or (settings is not None and settings != _PIPELINE.settings):
            _PIPELINE = Pipeline(settings)
        return _PIPELINE


def replace_pipeline(old: Pipeline, new: Pipeline) -> None:
    """Make ``new`` the process-wide pipeline if ``old`` was (after the app loaded a newer index), so the
    old one can be freed."""
    global _PIPELINE
    with _LOCK:
        if _PIPELINE is old:
            _PIPELINE = new
