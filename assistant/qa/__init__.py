"""Question answering: analyse a question once, retrieve, answer with citations or abstain.

``analyse`` (intent, provinces, document numbers, years, follow-ups), ``retrieve`` (the hybrid dense +
BM25 LangChain retriever), ``answer`` (the extractive answerer), ``tables`` (answers from the
commitments tables), ``llm`` (the optional LLM step: backend, prompts, verifier, generation) and
``pipeline`` (the LCEL chain that joins them, built once per process).
"""
