"""Lexicon: the domain's vocabulary and the patterns built on it, shared by every later stage.

Vietnamese text normalisation (NFC, diacritic folding, syllables), provinces and agencies (the
gazetteer), the reform areas of Nghị quyết 76/NQ-CP, typed facts in a sentence (agencies with their
roles, targets with qualifiers, dates, durations) and relations between them. Nothing here knows about
documents, indexes or questions.
"""
