"""Index documents into the assistant's store: ``python ingest.py [PATH ...] [--store DIR] [--rebuild]``."""

import assistant  # noqa: F401  (sets the offline environment before the ML stack loads)
from assistant.index.build import main

if __name__ == "__main__":
    raise SystemExit(main())
