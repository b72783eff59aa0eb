"""``python -m assistant docs [list|add|replace|remove]``: the indexed documents from the command line.

Glue over :class:`assistant.index.documents.DocumentLibrary`, the service the app's "Tài liệu" tab uses too.
``docs`` alone lists the documents as it always did (one tab-separated line each). Whoever runs the command
is the editor (their login name, or ``--user``), recorded with each change.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

STEPS = {"read": "đọc", "ocr": "nhận dạng chữ", "parse": "phân tích", "embed": "tạo vector", "publish": "xuất bản"}


def add_parser(sub: Any) -> None:
    """The ``docs`` command and its sub-commands."""
    docs = sub.add_parser("docs", help="list, add, replace or remove indexed documents")
    _common(docs, None)
    docs.set_defaults(func=cmd_list, json=False)
    actions = docs.add_subparsers(dest="action")
    listing = actions.add_parser("list", help="the indexed documents")
    listing.add_argument("--json", action="store_true", help="one JSON array with every field")
    _common(listing, argparse.SUPPRESS)
    listing.set_defaults(func=cmd_list)
    add = actions.add_parser("add", help="index files (PDF, DOCX, HTML, TXT, MD; scans are OCR'd)")
    add.add_argument("files", nargs="+", type=Path)
    _metadata_options(add)
    _common(add, argparse.SUPPRESS)
    add.set_defaults(func=cmd_add)
    rep = actions.add_parser("replace", help="publish a file as the new version of a document")
    rep.add_argument("doc_id")
    rep.add_argument("file", type=Path)
    _metadata_options(rep)
    _common(rep, argparse.SUPPRESS)
    rep.set_defaults(func=cmd_replace)
    remove = actions.add_parser("remove", help="remove a document from the index")
    remove.add_argument("doc_id")
    _common(remove, argparse.SUPPRESS)
    remove.set_defaults(func=cmd_remove)


def _common(parser: argparse.ArgumentParser, default: Any) -> None:
    """``--store``, ``--chroma-url`` and ``--user``, on ``docs`` and on each sub-command (``SUPPRESS`` there, so a
    value given before the sub-command is not reset by it)."""
    parser.add_argument("--store", type=Path, default=default, help="store folder (default: vectorstore/)")
    parser.add_argument("--chroma-url", default=default,
                        help="the index on a Chroma server (default: $ASSISTANT_CHROMA_URL)")
    parser.add_argument("--user", default=default, help="name recorded with a change (default: your login)")


def _metadata_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--title", help="title (instead of the one read from the document)")
    parser.add_argument("--so-hieu", dest="so_hieu", help="document number, e.g. 249/KH-UBND")
    parser.add_argument("--province", help="province, e.g. 'Lạng Sơn'")
    parser.add_argument("--date", dest="date_issued", help="date issued, 31/12/2024 or 2024-12-31")
    parser.add_argument("--kind", dest="doc_type", help="kind, e.g. 'Kế hoạch', 'Quyết định'")


def _library(args: argparse.Namespace) -> Any:
    from assistant.core.settings import get_settings
    from assistant.index.documents import DocumentLibrary

    return DocumentLibrary(get_settings(store=getattr(args, "store", None),
                                        chroma_url=getattr(args, "chroma_url", None)))


def _user(args: argparse.Namespace) -> str:
    return getattr(args, "user", None) or getpass.getuser()


def _progress(name: str, step: str, fraction: float) -> None:
    shown = f" {fraction:.0%}" if step in {"ocr", "embed"} and fraction else ""
    print(f"  {name or 'kho'}: {STEPS.get(step, step)}{shown}", file=sys.stderr)


def cmd_list(args: argparse.Namespace) -> int:
    from assistant.index.store import StoreError, has_index

    if not args.json:
        return _print_table(args)
    library = _library(args)
    try:
        if not has_index(library.settings):
            raise StoreError(f"no index in {library.settings.chroma_url or library.settings.store}. Build it with "
                             "`python ingest.py` or add documents with `python -m assistant docs add FILE…`.")
        rows = library.documents()
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(rows, ensure_ascii=False, indent=2))
    return 0


def _print_table(args: argparse.Namespace) -> int:
    from assistant.index.store import StoreError, open_store

    library = _library(args)
    try:
        store = open_store(library.settings, create=False)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        for doc_id, info in sorted(store.documents().items()):
            added = f"\t{info['added_by']} {info.get('added_at', '')}" if info.get("added_by") else ""
            print(f"{doc_id}\t{info.get('so_hieu', '')}\t{info.get('province', '')}\t{info.get('chunks', 0)} chunks\t"
                  f"{info.get('title', '')}{added}")
    finally:
        store.close()
    return 0


def _metadata(args: argparse.Namespace) -> dict[str, str]:
    return {k: v for k in ("title", "so_hieu", "province", "date_issued", "doc_type") if (v := getattr(args, k, None))}


def _report(outcome: Any) -> int:
    for refusal in outcome.refused:
        print(f"không nhận {refusal.name}: {refusal.message}" if refusal.name else refusal.message, file=sys.stderr)
    for verb, ids in (("đã thêm", outcome.added), ("đã cập nhật", outcome.updated), ("đã xóa", outcome.removed)):
        for doc_id in ids:
            print(f"{verb} {doc_id}")
    if outcome.changed:
        print(f"({outcome.seconds:.1f} s; trợ lý đang chạy sẽ dùng kho mới trong ít phút)", file=sys.stderr)
    return 0 if outcome.changed else 1


def cmd_add(args: argparse.Namespace) -> int:
    from assistant.index.documents import clean_metadata

    _, problem = clean_metadata(_metadata(args))
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    return _report(_library(args).add(args.files, user=_user(args), metadata=_metadata(args), on_step=_progress))


def cmd_replace(args: argparse.Namespace) -> int:
    return _report(_library(args).replace(args.doc_id, args.file, user=_user(args), metadata=_metadata(args),
                                          on_step=_progress))


def cmd_remove(args: argparse.Namespace) -> int:
    return _report(_library(args).remove(args.doc_id, user=_user(args)))
