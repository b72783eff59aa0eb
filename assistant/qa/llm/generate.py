"""Optional LLM answers on top of the extractive one: rewrite with the same numbered sources, verify,
and fall back.

The extractive answer is always computed first and is what the user gets whenever the LLM cannot be
trusted: it is down or slow, its answer fails :func:`assistant.qa.llm.verify.verify`, or it abstains. An
extractive abstention is never sent to the LLM, so generation cannot turn "the documents do not
say" into an invented answer.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from langchain_core.documents import Document

from assistant.core.settings import Settings
from assistant.qa.answer import Answer, Citation, doc_label
from assistant.qa.llm.backend import ChatBackend, LLMUnavailable, Message
from assistant.qa.llm.prompts import PackedSource, SourceSpan, count_tokens, load_prompt, pack_sources
from assistant.qa.llm.verify import Source, citation_refs, verify

log = logging.getLogger(__name__)

EVIDENCE_HEADING = "**Căn cứ:**"
NOTE_DOWN = "Chưa dùng được mô hình ngôn ngữ (máy chủ LLM không phản hồi hoặc quá chậm)"
NOTE_REJECTED = "Câu trả lời do mô hình ngôn ngữ viết không qua được bước kiểm chứng với văn bản nguồn"
NOTE_TAIL = "; dưới đây là câu trả lời trích trực tiếp từ văn bản."


@dataclass(frozen=True)
class PromptParts:
    messages: list[Message]
    sources: list[PackedSource]
    extra: dict[int, Document]  # source number -> retrieved chunk that is not an extractive citation


def statement(answer_text: str) -> str:
    """The direct answer: the text before the evidence list."""
    return answer_text.split(EVIDENCE_HEADING, 1)[0].strip()


def _label(meta: dict) -> str:
    """How a source is introduced to the model: document (số hiệu), province — section path."""
    province = f", {meta['province']}" if meta.get("province") else ""
    return f"{doc_label(meta)}{province} — {meta.get('section', '')}".strip(" —")


class LLMAnswerer:
    """Rewrites extractive answers with an LLM and verifies them. ``backend_factory`` is called on
    first use (a local server then starts only when the LLM is actually asked)."""

    def __init__(self, settings: Settings, backend_factory: Callable[[], ChatBackend]) -> None:
        self.settings = settings
        self._factory = backend_factory
        self._backend: ChatBackend | None = None
        self.system = load_prompt("system")
        self.template = load_prompt("answer")

    @property
    def backend(self) -> ChatBackend:
        if self._backend is None:
            self._backend = self._factory()
        return self._backend

    # -- prompt ------------------------------------------------------------------------------------
    def build_prompt(self, draft: Answer, docs: list[Document], question: str) -> PromptParts:
        by_chunk = {d.metadata.get("chunk_id", d.id): d for d in docs}
        spans: list[SourceSpan] = []
        for c in draft.citations:
            doc = by_chunk.get(c.chunk_id)
            text = doc.page_content if doc is not None else c.text
            spans.append(SourceSpan(c.n, _label({"title": c.title, "so_hieu": c.so_hieu, "province": c.province,
                                                 "section": c.section}), text, c.text))
        extra: dict[int, Document] = {}
        cited_chunks = {c.chunk_id for c in draft.citations}
        for doc in docs:
            if len(extra) >= self.settings.llm_extra_sources:
                break
            chunk_id = doc.metadata.get("chunk_id", doc.id)
            if chunk_id in cited_chunks:
                continue
            n = len(spans) + 1
            extra[n] = doc
            spans.append(SourceSpan(n, _label(doc.metadata), doc.page_content, ""))
        draft_text = statement(draft.answer)
        frame = self.template.render(sources="", draft=draft_text, question=question)
        overhead = count_tokens(self.system.text + frame, self.settings.llm_encoding)
        budget = max(200, self.settings.llm_context_tokens - overhead)
        packed = pack_sources(spans, budget, self.settings.llm_encoding)
        user = self.template.render(sources="\n\n".join(p.render() for p in packed), draft=draft_text,
                                    question=question)
        messages = [Message("system", self.system.text), Message("user", user)]
        return PromptParts(messages, packed, {n: d for n, d in extra.items() if n in {p.n for p in packed}})

    # -- answer ------------------------------------------------------------------------------------
    def improve(self, draft: Answer, docs: list[Document], question: str) -> Answer:
        """The verified LLM answer, or ``draft`` with a note saying why it is shown instead."""
        if draft.abstained or not draft.confident:
            return replace(draft, llm_status="skipped")  # nothing found, or not sure: no fact to rewrite
        started = time.perf_counter()
        parts = self.build_prompt(draft, docs, question)
        try:
            backend = self.backend
            reply = backend.complete(parts.messages)
        except LLMUnavailable as exc:
            log.warning("LLM not used, extractive answer shown: %s", exc)
            return self._fallback(draft, NOTE_DOWN, [{"sentence": "", "reason": str(exc)}])
        sources = [Source(p.n, p.label, p.text) for p in parts.sources]
        verdict = verify(reply, sources, trusted=statement(draft.answer))
        log.info("LLM answer in %.1f s: verified=%s dropped=%d%s", time.perf_counter() - started,
                 verdict.verified, len(verdict.dropped), f" ({verdict.reason})" if verdict.reason else "")
        if not verdict.verified:
            reason = [{"sentence": reply.strip()[:500], "reason": verdict.reason or "rejected"}]
            return self._fallback(draft, NOTE_REJECTED, verdict.dropped + reason)
        return self._compose(draft, parts, verdict.text, verdict.dropped, backend.name)

    def _fallback(self, draft: Answer, note: str, dropped: list[dict[str, str]]) -> Answer:
        text = f"_{note}{NOTE_TAIL}_\n\n{draft.answer}"
        return replace(draft, answer=text, verified=False, dropped=dropped, llm_status="fallback",
                       llm_note=note + NOTE_TAIL)

    def _compose(self, draft: Answer, parts: PromptParts, text: str, dropped: list[dict[str, str]],
                 backend: str) -> Answer:
        citations = list(draft.citations)
        renumber: dict[int, int] = {c.n: c.n for c in citations}
        packed = {p.n: p for p in parts.sources}
        for n in sorted(set(citation_refs(text))):
            doc = parts.extra.get(n)
            if doc is None or n in renumber:
                continue
            meta = doc.metadata
            p = packed[n]
            start = int(meta.get("start", 0)) + p.start
            citations.append(Citation(
                n=len(citations) + 1, chunk_id=meta.get("chunk_id", doc.id or ""), doc_id=meta.get("doc_id", ""),
                title=meta.get("title", ""), so_hieu=meta.get("so_hieu", ""), province=meta.get("province", ""),
                section=meta.get("section", ""), text=p.text, start=start, end=start + len(p.text)))
            renumber[n] = citations[-1].n

        def _renumber(m: re.Match[str]) -> str:
            nums = [renumber.get(n, n) for n in citation_refs(m.group(0))]
            return "".join(f"[{n}]" for n in nums)

        text = re.sub(r"\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]", _renumber, text)
        body = [EVIDENCE_HEADING] + [
            f"- [{c.n}] {doc_label({'title': c.title, 'so_hieu': c.so_hieu, 'province': c.province})}, "
            f"{c.section}: “{c.text}”" for c in citations]
        return replace(draft, answer=text.strip() + "\n\n" + "\n".join(body), citations=citations, backend=backend,
                       verified=True, dropped=dropped, llm_status="answered", llm_note=None)


# -- follow-ups ------------------------------------------------------------------------------------------

def needs_context(question: str, history: list[str] | None) -> bool:
    """A follow-up that names no province and no document while earlier questions did ("Ai chủ trì việc
    đó?"): the kind the rule-based rewriter may miss and the LLM can complete."""
    from assistant.lexicon.gazetteer import find_provinces
    from assistant.qa.analyse import doc_numbers

    if not history:
        return False
    if find_provinces(question) or doc_numbers(question):
        return False
    return any(find_provinces(h) or doc_numbers(h) for h in history[-3:])


def accept_rewrite(question: str, history: list[str], candidate: str) -> str | None:
    """The model's standalone question if it can be trusted for retrieval: one line, keeps most of the
    follow-up's words, and names no province or document that neither the follow-up nor the history named."""
    from assistant.lexicon.gazetteer import find_provinces
    from assistant.lexicon.text import fold, syllables
    from assistant.qa.analyse import doc_numbers

    lines = [ln.strip(" \"“”'*") for ln in candidate.strip().splitlines() if ln.strip()]
    if len(lines) != 1:
        return None
    new = lines[0]
    if not (len(question) <= len(new) <= 4 * len(question) + 200) or any(m in new for m in ("CÂU HỎI", "NGUỒN")):
        return None
    own = {fold(s) for s in syllables(question)}
    kept = own & {fold(s) for s in syllables(new)}
    if own and len(kept) / len(own) < 0.6:
        return None
    known = " ".join([question, *history])
    if not set(find_provinces(new)) <= set(find_provinces(known)):
        return None
    if not {fold(d) for d in doc_numbers(new)} <= {fold(d) for d in doc_numbers(known)}:
        return None
    if not (find_provinces(new) or doc_numbers(new)):
        return None  # it did not bring the context in: nothing gained
    return new


def rewrite_followup(answerer: LLMAnswerer, question: str, history: list[str]) -> str | None:
    """A standalone version of a follow-up written by the LLM (prompts/followup.vi.md), or None when
    the LLM is unavailable or its rewrite is not trustworthy (the rule-based rewrite is kept)."""
    prompt = load_prompt("followup")
    user = prompt.render(history="\n".join(f"- {h}" for h in history[-3:]), question=question)
    try:
        reply = answerer.backend.complete([Message("user", user)])
    except LLMUnavailable as exc:
        log.info("follow-up not rewritten by the LLM: %s", exc)
        return None
    accepted = accept_rewrite(question, history, reply)
    log.info("follow-up rewrite by the LLM %s", "accepted" if accepted else "rejected")
    return accepted
