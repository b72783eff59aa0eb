"""Ingest benchmark: index data/ into a fresh temporary store and report time, chunks/s and peak RSS.

    .venv/bin/python bench/bench_ingest.py [--data DIR] [--json]

The embedding model is loaded first and timed on its own, so "ingest" is parse + chunk + embed +
write. Torch uses ``settings.torch_threads`` (2) threads, as in the pipeline. Peak RSS is the
process's ``ru_maxrss`` (the model dominates it).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


#: 1-minute load average when the benchmark started: other work on the machine skews the numbers.
LOAD_BEFORE = os.getloadavg()[0]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def table(rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="folder to ingest (default: data/)")
    parser.add_argument("--json", action="store_true", help="also print the numbers as one JSON line")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    started = time.perf_counter()
    from assistant.core.settings import get_settings
    from assistant.index.build import ingest
    from assistant.index.embeddings import load_model, resolve_model_name

    import_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="cchc-bench-ingest-", ignore_cleanup_errors=True) as tmp:
        settings = get_settings(store=Path(tmp) / "store")
        t0 = time.perf_counter()
        load_model(resolve_model_name(settings.embedding_model, settings.model_dir), settings.torch_threads)
        model_s = time.perf_counter() - t0
        report = ingest([args.data], settings, progress=False)
        size_mb = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file()) / 2**20
    chunks = sum(report.chunks.values())
    docs = len(report.added) + len(report.updated)
    import torch

    numbers = {
        "documents": docs,
        "chunks": chunks,
        "import_s": round(import_s, 2),
        "model_load_s": round(model_s, 2),
        "ingest_s": round(report.seconds, 2),
        "chunks_per_s": round(chunks / report.seconds, 2) if report.seconds else None,
        "total_s": round(time.perf_counter() - started, 2),
        "store_mb": round(size_mb, 1),
        "peak_rss_mb": round(peak_rss_mb()),
        "torch_threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "load_before": LOAD_BEFORE,
        "load_after": os.getloadavg()[0],
        "failed": report.failed,
    }
    print(table([
        ("documents", str(docs)),
        ("chunks", str(chunks)),
        ("imports", f"{import_s:.1f} s"),
        ("model load", f"{model_s:.1f} s"),
        ("ingest (parse+chunk+embed+write)", f"{report.seconds:.1f} s"),
        ("throughput", f"{numbers['chunks_per_s']} chunks/s"),
        ("total wall time", f"{numbers['total_s']:.1f} s"),
        ("store size", f"{size_mb:.1f} MB"),
        ("peak RSS", f"{numbers['peak_rss_mb']} MB"),
        ("load average before / after", f"{LOAD_BEFORE:.2f} / {os.getloadavg()[0]:.2f}"),
        ("torch threads / CPUs", f"{numbers['torch_threads']} / {numbers['cpus']}"),
    ]))
    if report.failed:
        print(f"failed: {report.failed}", file=sys.stderr)
    if args.json:
        print(json.dumps(numbers, ensure_ascii=False))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
