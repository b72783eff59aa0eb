"""``python -m evals run …`` — see :mod:`evals.runner`."""

import sys

from evals.runner import main

if __name__ == "__main__":
    sys.exit(main())
