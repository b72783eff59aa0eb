"""Load test of the running chat app through its API (gradio_client ``/ask``), loopback only.

    .venv/bin/python bench/load_test.py --start [--store DIR]       # starts `python app.py` on a free port
    .venv/bin/python bench/load_test.py --url http://127.0.0.1:7860/ --pid PID

Two phases, both bounded: (1) ``--sessions`` concurrent sessions (one gradio_client each) ask questions
from ``evals/gold.jsonl`` for ``--duration`` seconds: count, errors, p50/p95/max latency, throughput;
(2) ``--memory-questions`` more questions, the server's RSS sampled after every ``--sample-every``: the
growth from the first to the last quartile of the samples says whether memory stays flat.
An error is an exception or an answer whose status is ``error``; ``invalid`` would also count (the gold
questions are all valid). Prints a Markdown summary and, with ``--json FILE``, writes the figures.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # gradio_client must not look for the Hub


def rss_mb(pid: int) -> float:
    """Resident set size of a process (and its children's are not counted: the app is one process)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def load_questions(limit: int | None = None) -> list[str]:
    questions = []
    with (ROOT / "evals" / "gold.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                record = json.loads(line)
                if not record.get("history"):
                    questions.append(record["question"])
    return questions[:limit] if limit else questions


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class PhaseResult:
    requests: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        lat = self.latencies_ms
        return {"requests": self.requests, "errors": self.errors, "error_samples": self.error_samples[:5],
                "seconds": round(self.seconds, 1), "throughput_qps": round(self.requests / self.seconds, 2)
                if self.seconds else 0.0, "p50_ms": round(percentile(lat, 0.5), 1),
                "p95_ms": round(percentile(lat, 0.95), 1), "max_ms": round(max(lat), 1) if lat else None,
                "statuses": self.statuses}


class Driver:
    """Runs sessions against the app; every session is its own gradio_client (its own connection)."""

    def __init__(self, url: str, sessions: int, auth: tuple[str, str] | None = None) -> None:
        from gradio_client import Client

        self.questions = load_questions()
        self.clients = [Client(url, auth=auth, verbose=False) for _ in range(sessions)]
        self._lock = threading.Lock()
        self._next = 0

    def _question(self) -> str:
        with self._lock:
            q = self.questions[self._next % len(self.questions)]
            self._next += 1
            return q

    def _one(self, client: Any, result: PhaseResult) -> None:
        question = self._question()
        started = time.perf_counter()
        try:
            out = client.predict(question, api_name="/ask")
            status = str(out.get("status"))
            failed = status not in {"answered", "abstained"}
            detail = f"{status}: {out.get('message')}"
        except Exception as exc:  # any failure of a request counts as an error
            status, failed, detail = "exception", True, f"{type(exc).__name__}: {exc}"
        elapsed = (time.perf_counter() - started) * 1000
        with self._lock:
            result.requests += 1
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if failed:
                result.errors += 1
                result.error_samples.append(detail[:200])
            else:
                result.latencies_ms.append(elapsed)

    def run(self, *, duration: float | None = None, total: int | None = None,
            on_progress: Any = None) -> PhaseResult:
        """All sessions ask until ``duration`` seconds have passed or ``total`` questions were asked."""
        result = PhaseResult()
        started = time.perf_counter()
        issued = [0]

        def take() -> bool:
            with self._lock:
                if total is not None and issued[0] >= total:
                    return False
                if duration is not None and time.perf_counter() - started >= duration:
                    return False
                issued[0] += 1
                return True

        def session(client: Any) -> None:
            while take():
                self._one(client, result)
                if on_progress:
                    on_progress(result)

        threads = [threading.Thread(target=session, args=(c,), daemon=True) for c in self.clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        result.seconds = time.perf_counter() - started
        return result


def memory_trend(samples: list[float]) -> dict[str, float]:
    """Mean RSS of the first and last quartile of the samples, and the growth between them."""
    n = max(1, len(samples) // 4)
    first, last = statistics.fmean(samples[:n]), statistics.fmean(samples[-n:])
    return {"first_quartile_mb": round(first, 1), "last_quartile_mb": round(last, 1),
            "growth_mb": round(last - first, 1), "growth_pct": round(100 * (last - first) / first, 2)}


def run(url: str, pid: int, *, sessions: int = 20, duration: float = 120.0, memory_questions: int = 1000,
        sample_every: int = 50, auth: tuple[str, str] | None = None, log: Any = print) -> dict[str, Any]:
    """Both phases against the app at ``url`` (served by process ``pid``); returns the figures."""
    host = urlparse(url).hostname or ""
    if not (host == "localhost" or ipaddress.ip_address(host).is_loopback):
        raise SystemExit(f"error: the load test only drives a loopback address, not {host}")
    driver = Driver(url, sessions, auth)
    rss_start = rss_mb(pid)
    rss_peak = [rss_start]
    stop = threading.Event()

    def sampler() -> None:
        while not stop.wait(1.0):
            rss_peak[0] = max(rss_peak[0], rss_mb(pid))

    watcher = threading.Thread(target=sampler, daemon=True)
    watcher.start()
    log(f"phase 1: {sessions} concurrent sessions for {duration:.0f} s …")
    load = driver.run(duration=duration)
    log(f"  {load.requests} questions, {load.errors} errors")

    samples: list[float] = []
    marks = [0]

    def progress(result: PhaseResult) -> None:
        if result.requests >= marks[0] + sample_every:
            marks[0] = result.requests - result.requests % sample_every
            samples.append(rss_mb(pid))

    log(f"phase 2: {memory_questions} questions, RSS sampled every {sample_every} …")
    samples.append(rss_mb(pid))
    memory = driver.run(total=memory_questions, on_progress=progress)
    samples.append(rss_mb(pid))
    stop.set()
    return {
        "url": url, "sessions": sessions, "load": load.summary(), "memory_run": memory.summary(),
        "rss_mb": {"at_start": round(rss_start, 1), "peak": round(max(rss_peak[0], *samples), 1),
                   "samples": [round(s, 1) for s in samples], **memory_trend(samples)},
    }


def markdown(figures: dict[str, Any]) -> str:
    load, mem, rss = figures["load"], figures["memory_run"], figures["rss_mb"]
    return "\n".join([
        "| | |", "| --- | --- |",
        f"| concurrent sessions | {figures['sessions']} |",
        f"| load phase | {load['requests']} questions in {load['seconds']:.0f} s ({load['throughput_qps']} q/s), "
        f"**{load['errors']} errors** |",
        f"| latency p50 / p95 / max | {load['p50_ms']:.0f} / {load['p95_ms']:.0f} / {load['max_ms']:.0f} ms |",
        f"| memory phase | {mem['requests']} questions, {mem['errors']} errors, p95 {mem['p95_ms']:.0f} ms |",
        f"| server RSS | start {rss['at_start']:.0f} MB, peak {rss['peak']:.0f} MB |",
        f"| RSS over the memory phase | first quartile {rss['first_quartile_mb']:.0f} MB → last quartile "
        f"{rss['last_quartile_mb']:.0f} MB ({rss['growth_mb']:+.1f} MB, {rss['growth_pct']:+.2f} %) |",
    ])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(store: Path | None, timeout: float = 600) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port)]
    if store:
        cmd += ["--store", str(store)]
    env = {k: v for k, v in os.environ.items() if k != "ASSISTANT_AUTH"}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"error: app.py exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return proc, url
        except OSError:
            time.sleep(1)
    proc.kill()
    raise SystemExit("error: app.py did not start in time")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="a running app on loopback (give its --pid too)")
    where.add_argument("--start", action="store_true", help="start `python app.py` on a free loopback port")
    parser.add_argument("--pid", type=int, help="process id of the app at --url (for its memory)")
    parser.add_argument("--store", type=Path, help="with --start: the store folder")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of the concurrent phase")
    parser.add_argument("--memory-questions", type=int, default=1000)
    parser.add_argument("--sample-every", type=int, default=50)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    proc = None
    if args.start:
        proc, url = start_app(args.store)
        pid = proc.pid
    else:
        if not args.pid:
            parser.error("--url needs --pid (the app's process id, for its memory)")
        url, pid = args.url, args.pid
    try:
        figures = run(url, pid, sessions=args.sessions, duration=args.duration,
                      memory_questions=args.memory_questions, sample_every=args.sample_every,
                      log=lambda m: print(m, file=sys.stderr, flush=True))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    print(markdown(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0 if figures["load"]["errors"] == 0 and figures["memory_run"]["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
