"""Run every benchmark of the project and write `bench/results.md`.

    python bench/run.py            # all benchmarks, table to stdout and bench/results.md
    python bench/run.py --readme   # also regenerate README.md's performance section
    python bench/run.py compile    # only the modules whose name contains "compile"; prints, writes nothing
    python bench/run.py algebra --readme   # rerun some modules: their rows in README.md are replaced, the others kept

A row whose name begins with "earlier run:" is kept from a previous run, so
that a change's gain shows; the new figure of the same benchmark follows it.

Each `bench/bench_*.py` module exposes `run() -> list[Result]`. kc's bytecode
is written first, as installing kc leaves it, so that a cold process measures
kc rather than Python compiling its source. Figures are
wall-clock times on whatever machine runs this; where a goal is a ratio, the
baseline is measured in the same run, on the same machine.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from common import Result, write_bytecode  # noqa: E402

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def _format(value: float, unit: str) -> str:
    if unit == "s" and value < 1:
        return f"{value * 1000:.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if abs(value) >= 1e4:
        return f"{value:,.0f} {unit}".strip()
    return f"{value:.3g} {unit}".strip()


def table(results: list[Result]) -> str:
    lines = ["| benchmark | measured | baseline (same run) | ratio | goal | met |", "|---|---|---|---|---|---|"]
    for r in results:
        ratio = "" if r.ratio is None else f"{r.ratio:.2f}×" if r.ratio < 100 else f"{r.ratio:,.0f}×"
        met = "" if r.met is None else ("yes" if r.met else "**no**")
        name = r.name + (f" ({r.note})" if r.note else "")
        lines.append(f"| {name} | {_format(r.value, r.unit)} | {r.baseline} | {ratio} | {r.goal} | {met} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", help="run only benchmark modules whose name contains one of these")
    parser.add_argument("--readme", action="store_true", help="regenerate README.md's performance section (with ONLY: only the rows of those benchmarks)")
    arguments = parser.parse_args()
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if arguments.only:
        modules = [m for m in modules if any(o in m for o in arguments.only)]
    write_bytecode()
    results: list[Result] = []
    load_before = _load()
    for name in modules:
        started = time.perf_counter()
        print(f"running {name} …", file=sys.stderr, flush=True)
        results.extend(importlib.import_module(name).run())
        print(f"  done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    machine = f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}, {_cpus()} CPUs"
    machine += f" (load average {load_before} when the run began, {_load()} when it ended: other work shares the CPUs, so the ratios, measured alike, hold better than the times)"
    text = f"Measured with `python bench/run.py` on {machine}.\n\n{table(results)}\n"
    print(text)
    if arguments.only and not arguments.readme:
        return  # a partial table replaces neither bench/results.md nor README.md
    readme = HERE.parent / "README.md"
    content = readme.read_text(encoding="utf-8")
    head, _, rest = content.partition(BEGIN)
    old, _, tail = rest.partition(END)
    if arguments.only:
        text = merged(old, results, machine)
    (HERE / "results.md").write_text(text, encoding="utf-8")
    if arguments.readme:
        readme.write_text(f"{head}{BEGIN}\n{text}{END}{tail}", encoding="utf-8")


def merged(old: str, results: list[Result], machine: str) -> str:
    """The table `old` with the rows of `results` in place of rows of the same benchmarks, new ones appended."""
    rows = [line for line in old.splitlines() if line.startswith("| ") and not line.startswith("| benchmark |")]
    fresh = table(results).splitlines()[2:]
    for result, row in zip(results, fresh, strict=True):
        same = [i for i, line in enumerate(rows) if line.startswith(f"| {result.name} |") or line.startswith(f"| {result.name} (")]
        earlier = [i for i, line in enumerate(rows) if line.startswith((f"| earlier run: {result.name} |", f"| earlier run: {result.name} ("))]
        if same:
            rows[same[0]] = row
        elif earlier:  # a row kept from an earlier run, so that the gain shows: the new figure goes below it
            rows.insert(earlier[0] + 1, row)
        else:
            rows.append(row)
    header = "\n".join(table([]).splitlines()[:2])
    note = "Measured with `python bench/run.py` (rows rerun with `python bench/run.py NAME --readme`)"
    return f"{note} on {machine}.\n\n{header}\n" + "\n".join(rows) + "\n"


def _load() -> str:
    """The one-minute load average, as `uptime` shows it."""
    import os

    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "unknown"


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    main()
