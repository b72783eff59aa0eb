"""Compare two eval reports question by question: ``python -m evals.compare BEFORE.json AFTER.json``.

A refactoring must not change answers: this lists every question whose answer text, abstention,
retrieved chunks or correctness differs, and exits 1 if any does.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _rows(path: Path) -> dict[str, dict]:
    report = json.loads(path.read_text(encoding="utf-8"))
    return {row["id"]: row for row in report["results"]["ours"]}


def _key(row: dict) -> tuple:
    contexts = tuple(c.get("chunk_id") for c in row.get("contexts") or [])
    return (row.get("answer"), row.get("abstained"), row.get("confident"), contexts, row.get("correct"))


def differences(before: Path, after: Path) -> list[str]:
    """One line per question that is not answered identically in both reports."""
    old, new = _rows(before), _rows(after)
    out = [f"{qid}: only in {before}" for qid in sorted(set(old) - set(new))]
    out += [f"{qid}: only in {after}" for qid in sorted(set(new) - set(old))]
    for qid in sorted(set(old) & set(new)):
        a, b = _key(old[qid]), _key(new[qid])
        if a != b:
            what = [name for name, x, y in zip(("answer", "abstained", "confident", "contexts", "correct"), a, b,
                                               strict=True) if x != y]
            out.append(f"{qid}: {', '.join(what)} differ")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.compare", description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    diffs = differences(args.before, args.after)
    print("\n".join(diffs) if diffs else "identical: every question answered the same way")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
