"""Command line: ``python -m assistant ask|docs|commitments|feedback`` (``docs`` in :mod:`assistant.cli_docs`).

``ask --json`` and ``ask --jsonl`` print a stable JSON interface that the eval suite and outside
tooling read: ``{"id", "question", "answer", "abstained", "citations": [{"n", "doc_id", "title",
"section", "text", …}], "contexts": [{"chunk_id", "doc_id", "section", "text", "score"}], "latency_ms"}``,
built by :func:`assistant.qa.records.answer_record` (the code path of the eval runner and benchmarks too).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from assistant import cli_docs
from assistant.core.settings import get_settings
from assistant.lexicon.facts import COMMITMENT_ROLES
from assistant.qa.records import RecordError, answer_record, answer_records, read_jsonl

# answer_record, answer_records and read_jsonl live in assistant.qa.records (the eval runner and the
# benchmarks use them from there); they stay importable from here for older callers.
__all__ = ["answer_record", "answer_records", "main", "read_jsonl"]


def _print_human(result: dict[str, Any]) -> None:
    print(result["answer"])
    if result.get("rewritten_question"):
        print(f"\n(câu hỏi được hiểu là: {result['rewritten_question']})")


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.index.store import StoreError
    from assistant.qa.llm.backend import llm_configured
    from assistant.qa.pipeline import get_pipeline

    settings = get_settings(store=args.store, chroma_url=args.chroma_url)
    if args.llm and not llm_configured(settings):  # said before the models load
        print("error: --llm needs an LLM: set ASSISTANT_LLM_URL (and ASSISTANT_LLM_MODEL, ASSISTANT_LLM_API_KEY) "
              "or ASSISTANT_LLM_GGUF; see the README section on the LLM option", file=sys.stderr)
        return 2
    try:
        pipeline = get_pipeline(settings)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.jsonl:
        try:
            records = read_jsonl(Path(args.jsonl)) if args.jsonl != "-" else \
                [json.loads(x) for x in sys.stdin if x.strip()]
        except RecordError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        for out in answer_records(pipeline, records, args.llm):
            print(json.dumps(out, ensure_ascii=False), flush=True)
        return 0
    if not args.question:
        print("error: give a question, e.g. python -m assistant ask \"ai chủ trì cải cách tài chính công?\"",
              file=sys.stderr)
        return 2
    record = {"id": None, "question": " ".join(args.question), "province_filter": args.province,
              "doc_id": args.doc}
    out = answer_record(pipeline, record, args.llm)
    if out["error"] and (args.province or args.doc):
        # a filter the index does not have is a usage error, said as such rather than as an answer
        print(f"error: {out['error']}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _print_human(out)
    return 1 if out["error"] else 0


def cmd_docs(args: argparse.Namespace) -> int:
    """The indexed documents, one tab-separated line each (``docs`` and ``docs list``)."""
    return cli_docs.cmd_list(args)


def cmd_commitments(args: argparse.Namespace) -> int:
    """Targets and responsibilities extracted at ingest, filtered, as a table, CSV or JSON."""
    from assistant.index import commitment_views as views
    from assistant.index.commitments_db import commitments_of
    from assistant.index.store import StoreError, open_store

    settings = get_settings(store=args.store, chroma_url=args.chroma_url)
    try:
        store = open_store(settings)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        db = commitments_of(store, settings.store)
    finally:
        store.close()
    try:
        filters = views.Filters.parse(province=args.province, area=args.area, year=args.year, agency=args.agency,
                                      role=args.role, indicator=args.indicator, text=args.search)
    except views.FilterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.kind == "targets":
        rows, columns = views.find_targets(db, filters), views.TARGET_COLUMNS
    else:
        rows, columns = views.find_responsibilities(db, filters), views.RESPONSIBILITY_COLUMNS
    if args.format == "json":
        print(views.to_json(rows))
    elif args.format == "csv":
        sys.stdout.write(views.to_csv(rows, columns))
    else:
        print(views.to_table(rows, columns))
        print(f"\n{len(rows)} {'chỉ tiêu' if args.kind == 'targets' else 'phân công'}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="Trợ lý CCHC")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer a question (or a JSONL file of questions)")
    ask.add_argument("question", nargs="*", help="the question, in Vietnamese or English")
    ask.add_argument("--province", help="only documents of this province")
    ask.add_argument("--doc", help="only this document id (see `docs`)")
    ask.add_argument("--store", type=Path, help="store folder (default: vectorstore/)")
    ask.add_argument("--chroma-url", help="read the index from a Chroma server (default: $ASSISTANT_CHROMA_URL)")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--jsonl", metavar="FILE", help="read JSON lines with id and question; print one JSON per line")
    llm = ask.add_mutually_exclusive_group()
    llm.add_argument("--llm", dest="llm", action="store_true", default=None,
                     help="let the configured LLM write the answer (verified against the sources; falls back "
                          "to the extractive answer). Needs ASSISTANT_LLM_URL or ASSISTANT_LLM_GGUF")
    llm.add_argument("--no-llm", dest="llm", action="store_false", help="extractive answer only")
    ask.set_defaults(func=cmd_ask)
    cli_docs.add_parser(sub)
    com = sub.add_parser("commitments", help="targets (chỉ tiêu) or responsibilities (phân công) of the plans")
    com.add_argument("kind", nargs="?", choices=["targets", "responsibilities"], default="targets")
    com.add_argument("--province", help="e.g. 'Lạng Sơn' (diacritics optional)")
    com.add_argument("--area", help="reform area: the_che, thu_tuc_hanh_chinh, to_chuc_bo_may, cong_vu, "
                                    "tai_chinh_cong, chinh_quyen_so, chi_dao_dieu_hanh, chung (or its name)")
    com.add_argument("--year", help="target year, e.g. 2025 (targets without a year count for the plan's end year)")
    com.add_argument("--agency", help="responsibilities of agencies whose name contains this")
    com.add_argument("--role", choices=COMMITMENT_ROLES)
    com.add_argument("--indicator", help="indicator family, e.g. par_index, sipas, papi, dvc_toan_trinh")
    com.add_argument("--search", help="full-text search (diacritics optional)")
    com.add_argument("--format", choices=["table", "csv", "json"], default="table")
    com.add_argument("--store", type=Path)
    com.add_argument("--chroma-url", help="read the index from a Chroma server (default: $ASSISTANT_CHROMA_URL)")
    com.set_defaults(func=cmd_commitments)

    def cmd_feedback_export(args: argparse.Namespace) -> int:
        from assistant.web.feedback import export_csv

        count = export_csv(args.out or "-")
        if args.out:
            print(f"wrote {count} feedback rows to {args.out}", file=sys.stderr)
        return 0

    feedback = sub.add_parser("feedback", help="the 👍/👎 feedback collected by the web app")
    feedback_sub = feedback.add_subparsers(dest="action", required=True)
    export = feedback_sub.add_parser("export", help="write all feedback as CSV")
    export.add_argument("--out", type=Path, help="CSV file to write (default: standard output)")
    export.set_defaults(func=cmd_feedback_export)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return args.func(args)
