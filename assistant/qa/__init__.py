"""Question answering: analyse a question once, retrieve, answer with citations or abstain.

``analyse`` (intent, provinces, document numbers, years, follow-ups), ``retrieve`` (the hybrid dense +
BM25 LangChain retriever), ``answer`` (the extractive answerer, a package of one module per step),
``tables`` (answers from the commitments tables), ``llm`` (the optional LLM step: backend, prompts,
verifier, generation), ``pipeline`` (the LCEL chain that joins them, built once per process) and
``records`` (JSONL question records in, answer records out: the CLI, eval runner and benchmarks).
"""
