"""Every hand-set number of the extractive answerer, in one place, with what it does.

The answerer scores candidate sentences by how well they cover the question and whether they hold the
kind of fact asked; these weights and limits were tuned by hand on the gold set and the development
question sets (see ``evals/``). They live here so that a change to one is a visible, reviewable change,
and so that an experiment can pass other values (``ExtractiveAnswerer(..., weights=Weights(...))``)
without editing the scoring code. Changing any of them changes answers: re-run ``python -m evals run``.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Longest quote (characters) taken from one line; longer lines are trimmed around the sentence.
QUOTE_MAX = 700
#: Longest clause stated as a target's answer; a longer one is quoted, not stated.
CLAUSE_MAX = 260
#: At most this many sentences of the top sections are embedded for an English question ...
SEMANTIC_POOL = 40
#: ... and only their first characters (the model's cost grows with the length).
SEMANTIC_CHARS = 300
#: Sentence embeddings kept between English questions (768 floats each).
VECTOR_CACHE = 4096
#: How far back (characters of the document) a passage looks for the "Đến năm 2030, …" that governs it.
YEAR_LOOKBACK = 2500
#: A question without a place or document may be answered from this many documents ...
OTHER_DOCS = 3
#: ... and a comparison from this many sentences (one per document).
COMPARED_MAX = 4
#: The next sentences (by score) among which a second sentence of the best section is looked for.
SAME_SECTION_WINDOW = 5
#: The next sentences (by score) among which a list question's best sentence that lists nothing looks for a
#: line heading a list.
LIST_HEAD_WINDOW = 5


@dataclass(frozen=True)
class Weights:
    """The weights of evidence scoring and selection. Defaults are the tuned values."""

    # -- coverage of the question's content words (IDF-weighted) --------------------------------
    #: A question word found only in the sentence's context (section path, governing lines) counts this much.
    context_term: float = 0.6
    #: ... and this much when scoring the clause that holds a target's number.
    target_clause_context_term: float = 0.35
    #: With two or more question words: share of the word coverage in the score ...
    word_share: float = 0.6
    #: ... and share of the adjacent word pairs found together (phrases, not bags of words).
    pair_share: float = 0.4
    #: One part of a multi-part question: share of the whole question's words ...
    whole_question_share: float = 0.4
    #: ... and of the part's own words, which say which sentence answers that part.
    part_share: float = 0.6

    # -- corrections of a sentence's coverage ----------------------------------------------------
    #: The indicator asked about (PCI, SIPAS, …) is not named where the sentence is.
    missing_anchor: float = 0.3
    #: The sentence or its heading says the question's words only under a negation ("không giữ chức vụ
    #: lãnh đạo" for a question about leaders): it is about the others.
    negated_scope: float = 0.5
    #: The number measures something else than the noun asked ("bao nhiêu phần trăm hồ sơ …").
    other_measure: float = 0.7
    #: Targets of one sentence within this much of the best clause's coverage are all stated.
    target_tie: float = 0.05
    #: Coverage given at least to a fact the question's frame points at: the signer's name in a
    #: signature block, the document's own date for "ban hành ngày nào", its own số hiệu.
    frame_floor: float = 0.6

    # -- target year (a passage about "đến năm 2025" for a question about 2030) -----------------
    #: The sentence's (or its heading's) target year is the year asked.
    year_match: float = 1.1
    #: The year asked is named near the passage or lies in the document's period.
    year_in_scope: float = 1.0
    #: Another target year, the year asked being in the document's period (or no period known).
    year_other_in_period: float = 0.4
    #: Another target year outside the period; a year before the period; a year named nowhere near.
    year_other: float = 0.15
    #: No target year anywhere and the document has no period.
    year_unknown: float = 0.3

    # -- ranking score = coverage + fact bonus + rank bonus + date label ------------------------
    #: The sentence holds the kind of fact asked.
    fact_bonus: float = 0.15
    #: The sentence cannot answer this kind of question (no fact where one is needed).
    no_fact_penalty: float = -0.2
    #: Divided by the retrieval rank of the sentence's section: earlier sections win ties.
    rank_bonus: float = 0.05
    #: A date labelled with the question's own word ("Ngày có hiệu lực" for "hiệu lực").
    date_label: float = 0.1
    #: The document's own dated line ("Lai Châu, ngày 20 tháng 9 năm 2021") for "ban hành"/"ký".
    date_line: float = 0.12
    #: A web page's "Thứ 7, Ngày 26/10/2024" publication stamp.
    weekday_stamp: float = -0.3

    # -- English questions: cosine similarity of question and sentence -------------------------
    #: Similarity mapped to a 0–1 support: (similarity - floor) / span, clipped.
    semantic_floor: float = 0.35
    semantic_span: float = 0.3
    #: Support from meaning and from glossary words together: this share of their sum ...
    semantic_mix: float = 0.5
    #: ... or this share of the semantic support alone when no glossary word is found.
    semantic_only: float = 0.8

    # -- selection of the evidence to quote --------------------------------------------------------
    #: Another document's sentence is quoted too when its coverage is at least threshold + this ...
    other_doc_margin: float = 0.15
    #: ... and at most this far below the best sentence's.
    other_doc_gap: float = 0.25
    #: A second sentence of the best section is quoted when this close to the best coverage.
    same_section_gap: float = 0.1
    #: A list heading must beat the previous best by this much to be the one whose items are listed.
    list_heading_margin: float = 0.05
    #: A list question: a line of the best sentence's document that heads a list is quoted instead of the
    #: best sentence when that one lists nothing and the heading's coverage is at most this much lower.
    list_head_gap: float = 0.2


WEIGHTS = Weights()
