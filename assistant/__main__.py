import assistant  # noqa: F401  (offline environment first)
from assistant.cli import main

raise SystemExit(main())
