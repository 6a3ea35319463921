"""``make bench``: run every benchmark module of bench/ and write bench/RESULTS.md.

Each module exposes ``run() -> list[dict]`` with rows {"name", "value", "unit"} (and optionally
"note", and "db": "demo" or "big", the database it was measured on: such rows are shown side by
side). The big database is built once and cached (bench/_scale.py); ``BENCH_SCALE=0.05`` makes it
smaller for a quick run, ``BENCH_DBS=demo`` skips it.
A module is run ``--repeat`` times (default 3) and each figure reported as the median, with the
spread.
Benchmarks are never part of the test run: they measure, they do not assert.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import statistics
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        memory = "?"
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory} RAM; Python {platform.python_version()}; "
        f"{platform.system()} {platform.release()}"
    )


def modules(selected: list[str]) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("*.py") if not p.stem.startswith("_"))
    return [n for n in names if not selected or n in selected]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmark modules (default: all)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    sections: list[str] = []
    failures = 0
    for name in modules(args.names):
        print(f"== {name}", flush=True)
        runs: list[list[dict]] = []
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            for _ in range(args.repeat):
                runs.append(module.run())
        except Exception:
            failures += 1
            traceback.print_exc()
            sections.append(f"## {name}\n\nFAILED: see the console output of `make bench`.\n")
            continue
        sections.append(render(name, runs, time.perf_counter() - started))
        print(sections[-1], flush=True)
    header = (
        "# Benchmark results\n\n"
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.\n\n"
        f"Machine: {machine()}; load average when done {load()}.\n\n"
        f"Each figure is the median of {args.repeat} runs (min–max in brackets).\n\n"
        f"Databases: **demo** (the demo data alone) and **big** ({big_note()}).\n\n"
    )
    args.output.write_text(header + "\n".join(sections), encoding="utf-8")
    print(f"written: {args.output}")
    return 1 if failures else 0


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def big_note() -> str:
    from bench import _scale

    built = ", ".join(f"{name} built in {s:.0f} s" for name, s in _scale.BUILD_SECONDS.items())
    return (
        f"scale {_scale.scale():g} of issue 18's database: "
        f"{_scale.describe()}; cached as `var/bench/{_scale.cached_path().name}`"
        + (f"; {built}" if built else "")
    )


def render(name: str, runs: list[list[dict]], seconds: float) -> str:
    if any("db" in row for row in runs[0]):
        return render_side_by_side(name, runs, seconds)
    lines = [
        f"## {name}",
        "",
        "| measure | median | range | unit | note |",
        "|---|---|---|---|---|",
    ]
    order = [row["name"] for row in runs[0]]
    for measure in order:
        values = [row["value"] for run in runs for row in run if row["name"] == measure]
        unit = next(row["unit"] for row in runs[0] if row["name"] == measure)
        note = next((row.get("note", "") for row in runs[0] if row["name"] == measure), "")
        lines.append(
            f"| {measure} | {fmt(statistics.median(values))} | "
            f"{fmt(min(values))}–{fmt(max(values))} | {unit} | {note} |"
        )
    lines.append(f"\n({seconds:.1f} s for {len(runs)} runs)\n")
    return "\n".join(lines)


def render_side_by_side(name: str, runs: list[list[dict]], seconds: float) -> str:
    kinds = list(dict.fromkeys(row.get("db", "demo") for row in runs[0]))
    lines = [
        f"## {name}",
        "",
        "| measure | " + " | ".join(kinds) + " | unit | note |",
        "|---|" + "---|" * len(kinds) + "---|---|",
    ]
    order = list(dict.fromkeys(row["name"] for row in runs[0]))
    for measure in order:
        cells = []
        unit = note = ""
        for kind in kinds:
            found = [
                row
                for run in runs
                for row in run
                if row["name"] == measure and row.get("db", "demo") == kind
            ]
            if not found:
                cells.append("")
                continue
            values = [row["value"] for row in found]
            unit = found[0]["unit"]
            note = note or found[0].get("note", "")
            cells.append(
                f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"
            )
        lines.append(f"| {measure} | " + " | ".join(cells) + f" | {unit} | {note} |")
    lines.append(f"\n({seconds:.1f} s for {len(runs)} runs)\n")
    return "\n".join(lines)


def fmt(value: float) -> str:
    if isinstance(value, bool):
        return str(value)
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}"


if __name__ == "__main__":
    sys.exit(main())
