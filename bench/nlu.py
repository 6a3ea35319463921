"""NLU speed and accuracy: start-up, latency per message, throughput, eval-set accuracy."""

from __future__ import annotations

import json
import statistics
import time
from datetime import date
from pathlib import Path

from bot.nlu.analyzer import Analyzer
from bot.nlu.evaluate import evaluate, read_cases

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
EVAL = DATA / "nlu_eval.jsonl"
# the blind sets: written by someone who had not seen the training files (see test_nlu_blind.py)
BLIND = [DATA / "nlu_blind.jsonl", DATA / "nlu_blind2.jsonl"]
TODAY = date(2026, 11, 23)
REPEAT = 10


def _percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def _texts(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


def _quality(analyzer: Analyzer, path: Path) -> list[dict]:
    """Accuracy on one labelled set, and how often a right answer is still marked unsure."""
    report = evaluate(analyzer, path, TODAY)
    right = report.correct
    unsure_right = sum(
        1
        for case in read_cases(path)
        if (a := analyzer.analyze(case.text, today=TODAY)).intent == case.intent and a.unsure
    )
    label = path.stem
    return [
        {
            "name": f"nlu.intent accuracy ({label})",
            "value": round(100 * report.intent_accuracy, 2),
            "unit": "%",
            "note": f"n={report.n}",
        },
        {
            "name": f"nlu.kecamatan accuracy ({label})",
            "value": round(100 * report.kecamatan_accuracy, 2),
            "unit": "%",
            "note": f"n={report.kecamatan_n}",
        },
        {
            "name": f"nlu.unsure on right answers ({label})",
            "value": round(100 * unsure_right / right, 2) if right else 0.0,
            "unit": "%",
            "note": f"{unsure_right} of {right}; all answers marked unsure: {report.unsure}",
        },
    ]


def run() -> list[dict]:
    # latency over every labelled message: the team's set and the blind sets
    texts = _texts(EVAL) + [t for p in BLIND if p.exists() for t in _texts(p)]

    started, cpu_started = time.perf_counter(), time.process_time()
    analyzer = Analyzer()  # not the cached one: measure a real start-up
    load_ms = (time.perf_counter() - started) * 1000
    load_cpu_ms = (time.process_time() - cpu_started) * 1000

    # first sight of each message: no per-word caches warmed yet
    first: list[float] = []
    for text in texts:
        t0 = time.perf_counter()
        analyzer.analyze(text, today=TODAY)
        first.append((time.perf_counter() - t0) * 1000)
    first.sort()

    timings: list[float] = []
    cpu: list[float] = []  # thread CPU time: what the NLU costs, without waits for a busy machine
    t_all = time.perf_counter()
    for _ in range(REPEAT):
        for text in texts:
            t0, c0 = time.perf_counter(), time.thread_time()
            analyzer.analyze(text, today=TODAY)
            cpu.append((time.thread_time() - c0) * 1000)
            timings.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - t_all
    timings.sort()
    cpu.sort()

    n = len(texts)
    rows = [
        {"name": "nlu.load (build from TOML)", "value": round(load_ms, 1), "unit": "ms"},
        {
            "name": "nlu.load, CPU time",
            "value": round(load_cpu_ms, 1),
            "unit": "ms",
            "note": f"{analyzer.n_examples} training examples",
        },
        {"name": "nlu.classify p50", "value": round(statistics.median(timings), 3), "unit": "ms"},
        {"name": "nlu.classify p99", "value": round(_percentile(timings, 0.99), 3), "unit": "ms"},
        {"name": "nlu.classify max", "value": round(timings[-1], 3), "unit": "ms"},
        {
            "name": "nlu.classify p99, CPU time",
            "value": round(_percentile(cpu, 0.99), 3),
            "unit": "ms",
            "note": "thread CPU time; wall-clock figures include waiting on a busy machine",
        },
        {
            "name": "nlu.classify p99, first sight",
            "value": round(_percentile(first, 0.99), 3),
            "unit": "ms",
            "note": f"each of the {n} labelled messages analysed once by a fresh analyzer",
        },
        {
            "name": "nlu.throughput",
            "value": round(REPEAT * n / elapsed),
            "unit": "msgs/s",
            "note": f"{n} labelled messages x {REPEAT}, one core",
        },
    ]
    for path in [EVAL, *BLIND]:
        if path.exists():
            rows += _quality(analyzer, path)
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
