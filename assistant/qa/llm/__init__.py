"""The optional LLM step: an OpenAI-compatible or local llama.cpp backend (``backend``), versioned prompts
packed with tiktoken (``prompts``), the verifier of a generated answer against its sources (``verify``)
and the generate-verify-fall-back step (``generate``)."""
