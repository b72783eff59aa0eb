"""Where the pipeline cuts text into sentences, and how it reads a date: one home for each, named for its use.

The sentence boundaries differ on purpose, and what each stage produces depends on its own: chunk
boundaries (chunk ids and offsets), the commitments extractor's clauses, the answerer's candidate
sentences, the statements the LLM verifier checks. Changing one re-cuts its users' output: bump
``PARSER_VERSION`` (chunks) or ``EXTRACTOR_VERSION`` (commitments) with it.
"""

from __future__ import annotations

import re

# -- sentence boundaries ---------------------------------------------------------------------------

#: The answerer's candidate sentences (:func:`assistant.lexicon.text.split_sentences`): a sentence end
#: before a capital, digit, quote or list marker, or a colon before a list marker.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“(\[]?[A-ZĐÀ-Ỹ0-9-+•])|(?<=:)\s+(?=[-+•])")
#: Where a line too long for one chunk may be cut: after any ". ; ! ?" (no capital needed, so more
#: places to cut) or a colon before a list marker.
CHUNK_BREAK = re.compile(r"(?<=[.;!?])\s+|(?<=:)\s+(?=[-+•])")
#: The commitments extractor's sentences: a sentence end before a capital, digit, quote or list marker,
#: or a line break.
_CLAUSE_SENTENCE = r"(?<=[.!?])\s+(?=[\"“(\[]?[A-ZĐÀ-Ỹ0-9+\-•])|\n"
CLAUSE_SENTENCE_BREAK = re.compile(_CLAUSE_SENTENCE)
#: The same, and at "; " too: one target or one task per clause.
CLAUSE_BREAK = re.compile(r";\s+|" + _CLAUSE_SENTENCE)
#: Statements of a generated answer (the LLM verifier): also after "…", and before "*" (Markdown bold).
STATEMENT_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“(\[*]?[A-ZĐÀ-Ỹ0-9])")

# -- dates -----------------------------------------------------------------------------------------

#: "ngày 15 tháng 9 năm 2021", with day, month and year captured.
DATE_IN_WORDS = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
