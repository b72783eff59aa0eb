"""Answer benchmark: cold start in a fresh subprocess, warm latency over the gold questions, peak RSS.

    .venv/bin/python bench/bench_answer.py [--store DIR] [--questions FILE] [--json]

* cold start: a new Python process imports the assistant, builds the pipeline (opens the store,
  loads the embedding model, builds the BM25 index) and answers the first gold question. Reported
  as the in-process time (build + first answer) and as the process wall time seen by the parent
  (which adds interpreter start-up and imports). The OS file cache is warm, so this is the cold
  start of a service restart, not of a freshly booted machine.
* warm: in this process, after one warm-up question, every gold question once through
  ``assistant.qa.records.answer_records`` (the ``ask --jsonl`` code path); p50 / p95 / mean / max of
  ``latency_ms``.
* peak RSS: ``ru_maxrss`` of the child (cold) and of this process (warm).
* app: ``python app.py`` started on a loopback port; the time from starting the process to the first
  answer through the API (``/ask``, gradio_client), then the app's resident memory (VmRSS, and its peak
  VmHWM) after that answer and after ``--app-questions`` more: the memory a user's server needs.

Cold start and app also report their CPU time (user + system, all threads) to the first answer: on a shared
machine it stays comparable when the wall time does not. ``--no-warm`` skips the warm run.

Torch uses ``settings.torch_threads`` (2) threads, set by the pipeline.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_QUESTIONS = ROOT / "evals" / "gold.jsonl"


#: 1-minute load average when the benchmark started: other work on the machine skews the numbers.
LOAD_BEFORE = os.getloadavg()[0]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system, all threads) used so far by this process or by ``pid``: unlike wall time
    it hardly changes when other jobs share the cores, so starts measured under different loads compare."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def percentile(values: list[float], q: float) -> float:
    vals = sorted(values)
    pos = (len(vals) - 1) * q / 100.0
    lo, hi = int(pos), min(int(pos) + 1, len(vals) - 1)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)


def read_questions(path: Path) -> list[dict]:
    """The question records, read as ``ask --jsonl`` and the eval runner read them."""
    from assistant.qa.records import read_jsonl

    return read_jsonl(path)


def cold_child(store: str | None, questions: Path) -> None:
    """Runs in the subprocess: build the pipeline, answer the first question, print JSON."""
    t0 = time.perf_counter()
    from assistant.core.settings import get_settings
    from assistant.qa.pipeline import get_pipeline
    from assistant.qa.records import answer_record

    t_import = time.perf_counter()
    pipeline = get_pipeline(get_settings(store=store))
    t_build = time.perf_counter()
    record = read_questions(questions)[0]
    out = answer_record(pipeline, record)
    t_answer = time.perf_counter()
    import torch  # already loaded by the pipeline

    print(json.dumps({
        "import_s": t_import - t0,
        "build_s": t_build - t_import,
        "first_answer_s": t_answer - t_build,
        "build_and_first_answer_s": t_answer - t_import,
        "build_steps_s": getattr(pipeline, "load_steps", {}),
        "cpu_to_first_answer_s": cpu_seconds(),
        "first_id": record.get("id"),
        "abstained": out["abstained"],
        "peak_rss_mb": peak_rss_mb(),
        "torch_threads": torch.get_num_threads(),
    }))


def run_cold(store: str | None, questions: Path) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--cold-child", "--questions", str(questions)]
    if store:
        cmd += ["--store", store]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"cold-start child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    data["process_wall_s"] = wall
    return data


def run_warm(store: str | None, questions: Path) -> dict:
    from assistant.core.settings import get_settings
    from assistant.qa.pipeline import get_pipeline
    from assistant.qa.records import answer_record, answer_records

    records = read_questions(questions)
    pipeline = get_pipeline(get_settings(store=store))
    answer_record(pipeline, records[0])  # warm-up
    started = time.perf_counter()
    latencies = [out["latency_ms"] for out in answer_records(pipeline, records)]
    total = time.perf_counter() - started
    import torch

    return {
        "questions": len(latencies),
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "mean_ms": statistics.fmean(latencies),
        "max_ms": max(latencies),
        "total_s": total,
        "questions_per_s": len(latencies) / total,
        "peak_rss_mb": peak_rss_mb(),
        "torch_threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "load_before": LOAD_BEFORE,
        "load_after": os.getloadavg()[0],
    }


def proc_memory_mb(pid: int) -> dict[str, float]:
    """Resident memory of a running process: now (VmRSS) and its peak (VmHWM)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {"rss_mb": int(fields["VmRSS"].split()[0]) / 1024, "peak_rss_mb": int(fields["VmHWM"].split()[0]) / 1024}


def run_app(store: str | None, questions: Path, more: int) -> dict:
    """Start the chat app, time process start to its first answer, then read its memory."""
    import socket
    import urllib.request

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # gradio_client must not look for the Hub
    from gradio_client import Client

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port)]
    env = {k: v for k, v in os.environ.items() if k != "ASSISTANT_AUTH"}
    started = time.perf_counter()
    proc = subprocess.Popen(cmd + (["--store", store] if store else []), cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"app.py exited with status {proc.returncode}")
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        serving = time.perf_counter() - started
        client = Client(url, verbose=False)
        texts = [r["question"] for r in read_questions(questions)]
        client.predict(texts[0], api_name="/ask")
        first = time.perf_counter() - started
        cpu_first = cpu_seconds(proc.pid)
        after_first = proc_memory_mb(proc.pid)
        for text in texts[1:more + 1]:
            client.predict(text, api_name="/ask")
        after_more = proc_memory_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"serving_s": serving, "first_answer_s": first, "cpu_to_first_answer_s": cpu_first, "rss_after_first_mb": after_first["rss_mb"],
            "rss_after_more_mb": after_more["rss_mb"], "peak_rss_mb": after_more["peak_rss_mb"],
            "more_questions": len(texts[1:more + 1])}


def table(rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="store folder (default: vectorstore/ or $ASSISTANT_STORE)")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="gold-schema JSONL")
    parser.add_argument("--json", action="store_true", help="also print the numbers as one JSON line")
    parser.add_argument("--app-questions", type=int, default=50,
                        help="questions asked of the app after the first, before its memory is read")
    parser.add_argument("--no-app", action="store_true", help="skip starting the chat app")
    parser.add_argument("--no-warm", action="store_true", help="skip the warm run (cold start and app only)")
    parser.add_argument("--cold-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.cold_child:
        cold_child(args.store, args.questions)
        return 0

    cold = run_cold(args.store, args.questions)
    app = None if args.no_app else run_app(args.store, args.questions, args.app_questions)
    warm = None if args.no_warm else run_warm(args.store, args.questions)
    app_rows = [] if app is None else [
        ("app: process start to serving", f"{app['serving_s']:.2f} s"),
        ("app: process start to first answer", f"{app['first_answer_s']:.2f} s "
                                               f"(CPU time {app['cpu_to_first_answer_s']:.2f} s)"),
        ("app: RSS after first answer", f"{app['rss_after_first_mb']:.0f} MB"),
        (f"app: RSS / peak after {app['more_questions']} more", f"{app['rss_after_more_mb']:.0f} / "
                                                                f"{app['peak_rss_mb']:.0f} MB"),
    ]
    warm_rows = [] if warm is None else [
        ("warm: questions", str(warm["questions"])),
        ("warm: latency p50 / p95", f"{warm['p50_ms']:.0f} / {warm['p95_ms']:.0f} ms"),
        ("warm: latency mean / max", f"{warm['mean_ms']:.0f} / {warm['max_ms']:.0f} ms"),
        ("warm: throughput", f"{warm['questions_per_s']:.1f} questions/s"),
        ("warm: peak RSS", f"{warm['peak_rss_mb']:.0f} MB"),
    ]
    print(table([
        ("cold: build pipeline + first answer", f"{cold['build_and_first_answer_s']:.2f} s "
                                                f"(build {cold['build_s']:.2f} s, answer {cold['first_answer_s']:.2f} s)"),
        ("cold: build steps", ", ".join(f"{k} {v:.2f} s" for k, v in cold.get("build_steps_s", {}).items()) or "—"),
        ("cold: imports", f"{cold['import_s']:.2f} s"),
        ("cold: process wall time", f"{cold['process_wall_s']:.2f} s (CPU time {cold['cpu_to_first_answer_s']:.2f} s)"),
        ("cold: peak RSS", f"{cold['peak_rss_mb']:.0f} MB"),
        *app_rows,
        *warm_rows,
        ("load average before / after", f"{LOAD_BEFORE:.2f} / {os.getloadavg()[0]:.2f}"),
        ("torch threads / CPUs", f"{cold.get('torch_threads', '?')} / {os.cpu_count()}"),
    ]))
    if args.json:
        print(json.dumps({"cold": cold, "app": app, "warm": warm}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
