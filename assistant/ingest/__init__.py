"""Ingest: from a file to structured text and chunks, with no index or model involved.

``loaders`` reads .txt/.md/.html/.docx/.pdf and refuses bad files with a reason; ``cleaning`` turns the
raw text into logical lines (hard wraps rejoined, markdown and table debris removed); ``parsing`` finds
the heading hierarchy of Vietnamese administrative documents in them; ``chunking`` cuts section-aligned
chunks sized in tokens; ``metadata`` takes a document's catalogue entry or reads its header;
``commitments`` (a subpackage) extracts the plan's targets and responsibilities.
"""
