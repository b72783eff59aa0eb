"""Web: the Gradio chat and its parts: answer and source rendering, the commitments tab, 👍/👎
feedback, following a newly published index without a restart, and memory trimming for a long-running
server."""
