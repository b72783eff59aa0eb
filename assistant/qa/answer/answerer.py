"""The offline extractive answerer: reads the retrieved sections, finds the sentence(s) that answer the
question, states the answer first and quotes its evidence with citations; or abstains.

Nothing is generated that is not in a source: the direct answer is made of facts extracted from the
quoted sentence (an agency, a target with its qualifier, a time expression, a definition), and every
quote is an exact substring of the cited section. The steps are modules of their own: candidate
sentences and their scores (:mod:`.candidates`, with :mod:`.facts` and :mod:`.semantic`), the choice of
evidence (:mod:`.selection`), the Markdown answer (:mod:`.compose`) and abstention (:mod:`.abstain`).
"""

from __future__ import annotations

from langchain_core.documents import Document

from assistant.lexicon import relations
from assistant.qa.analyse import QueryAnalysis
from assistant.qa.answer.abstain import abstain
from assistant.qa.answer.candidates import EvidenceFinder
from assistant.qa.answer.compose import Composer
from assistant.qa.answer.confidence import evidence_signals
from assistant.qa.answer.corpus import CorpusView
from assistant.qa.answer.coverage import Coverage
from assistant.qa.answer.facts import FactFinder
from assistant.qa.answer.model import Answer, Evidence, context_of
from assistant.qa.answer.question import content_terms, part_analysis, part_terms, topic
from assistant.qa.answer.ranker import SelectionModel
from assistant.qa.answer.selection import Selector
from assistant.qa.answer.semantic import SemanticScorer
from assistant.qa.answer.weights import WEIGHTS, Weights


class ExtractiveAnswerer:
    """Answers an analysed question from retrieved ``Document``\\ s.

    ``corpus`` is what the answerer knows about the whole index (built once, see
    :meth:`CorpusView.from_index`); ``threshold`` is the minimum coverage of the question by the best
    evidence below which it abstains (``Settings.abstain_threshold``); ``weights`` the scoring weights."""

    def __init__(self, corpus: CorpusView, threshold: float = 0.5, weights: Weights = WEIGHTS,
                 selector: SelectionModel | None = None) -> None:
        self.corpus = corpus
        self.threshold = threshold
        self.weights = weights
        self.coverage = Coverage(corpus.idf, weights)
        semantic = SemanticScorer(corpus.embeddings, weights) if corpus.embeddings is not None else None
        self.finder = EvidenceFinder(corpus, self.coverage, FactFinder(corpus, self.coverage), semantic)
        self.selector = Selector(self.finder, threshold, selector)
        self.composer = Composer(corpus, self.coverage)
        self.selector.lists_items = lambda e, terms: len(self.composer.list_quote(e, terms)[1]) >= 2
        self.selector.heads_list = lambda e: len(self.composer.items_under(e)[1]) >= 2

    def answer(self, analysis: QueryAnalysis, docs: list[Document]) -> Answer:
        """The answer to the question ``analysis`` was made from (by the pipeline, once) from ``docs``."""
        base = Answer(question=analysis.question, answer="", abstained=True, intent=analysis.intent,
                      contexts=[context_of(d) for d in docs])
        missing = [p for p in analysis.provinces if p not in self.corpus.provinces]
        if analysis.provinces and len(missing) == len(analysis.provinces):
            return abstain(base, docs, f"thông tin về tỉnh {', '.join(missing)} "
                                       f"(chưa có văn bản nào của tỉnh này trong kho tài liệu)")
        if missing:  # "Bắc Kạn … giống như Cao Bằng?": a fact of the other place answers only half
            base.signals["places_missing"] = float(len(missing))
        parts = relations.split_parts(analysis.question) if analysis.intent != "comparison" else []
        if len(parts) > 1:
            return self._answer_parts(base, analysis, docs, parts)
        terms = content_terms(analysis)
        chosen, base.support = self.selector.select(analysis, docs, terms, trace=base.signals)
        if not chosen:
            return abstain(base, docs, topic(analysis))
        base.signals.update(evidence_signals(analysis, chosen[0], terms, self.coverage))
        return self.composer.compose(base, analysis, chosen)

    def _answer_parts(self, base: Answer, analysis: QueryAnalysis, docs: list[Document],
                      parts: list[str]) -> Answer:
        """A question that asks several things: each part is answered with its own kind of fact, from
        the same retrieved sections; the answer holds every part that the documents support."""
        chosen: list[Evidence] = []
        support = 0.0
        terms = content_terms(analysis)
        base.signals["parts"] = float(len(parts))
        for part in parts:
            # each part is a clause of its own: its intent, roles and words are read from its text
            sub = part_analysis(analysis, part)
            trace: dict[str, float] = {}
            got, part_support = self.selector.select(sub, docs, terms, part_terms(part, sub), trace=trace)
            if "best_coverage" not in base.signals or trace.get("best_coverage", 0.0) < base.signals["best_coverage"]:
                base.signals.update(trace)  # the answer is as sure as its least supported part
            support = max(support, part_support)
            if sub.intent == "deadline" and any(c.fact and "ngày" in c.fact and (c.analysis or sub).relation == "docref"
                                                for c in chosen):
                continue  # "mang số nào, ban hành ngày nào": the number came with its date
            for e in got:
                if not any(c.line_start == e.line_start and c.doc.id == e.doc.id and c.fact == e.fact for c in chosen):
                    e.analysis = e.analysis or sub
                    chosen.append(e)
        base.support = round(support, 4)
        if not chosen:
            return abstain(base, docs, topic(analysis))
        base.signals.update(evidence_signals(analysis, chosen[0], terms, self.coverage))
        return self.composer.compose(base, analysis, chosen)
