"""Core: the settings every stage reads (one typed place, ``ASSISTANT_*`` variables and a TOML file) and
the offline assets (the embedding model and tiktoken files fetched from PyPI and verified)."""
