"""Index: where chunks, embeddings and documents are kept, and how a new version is published.

``embeddings`` (sentence-transformers for LangChain and Chroma, precision chosen by ``precision``),
``store`` (one Chroma generation, local or on a server, and its document registry; ``open_store`` opens
the published one, for the answering side as for ingest), ``generations`` (the atomic pointer and the
locks), ``build`` (the incremental ingest run that builds and publishes a generation), ``commitments_db``
and ``commitment_views`` (the SQLite tables of targets and responsibilities beside each generation, and
the queries over them).
"""
