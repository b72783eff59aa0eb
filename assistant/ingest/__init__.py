"""Ingest: from a file to structured text and chunks, with no index or model involved.

``loaders`` reads .txt/.md/.html/.docx/.pdf and refuses bad files with a reason; ``parsing`` cleans the
text and finds the heading hierarchy of Vietnamese administrative documents; ``chunking`` cuts
section-aligned chunks sized in tokens; ``metadata`` takes a document's catalogue entry or reads its
header; ``commitments`` extracts the plan's targets and responsibilities.
"""
