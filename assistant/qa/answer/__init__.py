"""The extractive answerer: from the retrieved sections to a cited answer, or an abstention.

Modules, one job each:

``model``       the answer's data (:class:`Answer`, :class:`Citation`) and a candidate sentence (``Evidence``)
``corpus``      what the answerer knows about the index, built once (:class:`CorpusView`, :func:`build_idf`)
``weights``     every hand-set weight and limit, documented (:class:`Weights`)
``question``    what a (part of a) question asks, read once from its analysis (``Asked``, ``content_terms``)
``coverage``    how much of the question a sentence covers (IDF-weighted words and word pairs)
``facts``       the fact finders per question type (agency, target, date, definition, relations)
``columns``     a table row's cells read through the header row above it (lead, partner, deadline, a year)
``candidates``  every sentence of the retrieved sections, scored
``semantic``    coverage by meaning for English questions (embedding similarity)
``ranker``      the learned order of the candidates (features, an exported model; off without a model file)
``selection``   which evidence answers (threshold, other documents, relation fall-back)
``layout``      lines, list markers and exact quotes of a chunk
``compose``     the Markdown statement and the **Căn cứ** citations
``abstain``     the answer when nothing supports one
``answerer``    :class:`ExtractiveAnswerer`, which runs them
"""

from assistant.qa.answer.abstain import ABSTAIN_PREFIX
from assistant.qa.answer.answerer import ExtractiveAnswerer
from assistant.qa.answer.compose import doc_label
from assistant.qa.answer.corpus import CorpusView, build_idf
from assistant.qa.answer.model import Answer, Citation, context_of
from assistant.qa.answer.question import content_terms, measured_noun, part_analysis
from assistant.qa.answer.weights import WEIGHTS, Weights

__all__ = [
    "ABSTAIN_PREFIX",
    "WEIGHTS",
    "Answer",
    "Citation",
    "CorpusView",
    "ExtractiveAnswerer",
    "Weights",
    "build_idf",
    "content_terms",
    "context_of",
    "doc_label",
    "measured_noun",
    "part_analysis",
]
