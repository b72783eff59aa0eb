"""Serve Trợ lý CCHC as a web chat: ``python app.py [--host HOST] [--port PORT] [--store DIR] [--insecure]``."""

import assistant  # noqa: F401  (offline environment and no analytics, before Gradio is imported)
from assistant.web.app import main

if __name__ == "__main__":
    raise SystemExit(main())
