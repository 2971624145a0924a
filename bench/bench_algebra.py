"""The algebra core: `kc compile` runs, cold, against `python -c "import sympy"` measured in the same run.

Each figure is a fresh `kc compile` process (what a user waits for). The rows
marked "sympy algebra" run the same command with the passes forced onto the
sympy bridge, as every compilation ran before kc had its own core; they are
measured once (they take seconds), the others best of three.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

from common import Result, best_of, leaf, synthetic_library

LLAMA = "transformers.models.llama.modeling_llama.LlamaForCausalLM"
MISTRAL = "transformers.models.mistral.modeling_mistral.MistralForCausalLM"
LINEAR = "torch.nn.modules.linear.Linear"

_DRIVER = textwrap.dedent("""
    import sys
    if sys.argv[1] == "sympy":
        from compiler.algebra import sympy_algebra
        from compiler.pipeline import compile_tree
        compile_tree.__kwdefaults__["algebra"] = sympy_algebra()
    from compiler.cli import app
    command = app.main
    def main(argv=None):
        try:
            command(argv)
        finally:  # the peak of this process image: wait4's would count the benchmark's own, from before the exec
            print([l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")][0])
    app.main = main
    sys.argv = ["kc", *sys.argv[2:]]
    from compiler.__main__ import kc
    kc()
""")
"""`kc` itself (`compiler.__main__.kc`, as the installed command runs it, ending the process at once), on kc's
core or on the sympy bridge; it prints its memory peak (KiB) last."""


BEFORE_LIMIT = 300
"""Seconds a run on the sympy algebra may take before it is reported as longer than that."""


def _kc(algebra: str, arguments: list[str], timeout: float | None = None) -> float:
    """Seconds of one cold `kc` process; its memory peak (MiB) is kept in `_peaks`, its least CPU time in `_cpu`.

    The process is waited for with `os.wait4`, which gives the CPU time of
    that one process (the children's total would mix in every other run)."""
    with tempfile.TemporaryFile() as errors, tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", _DRIVER, algebra, *arguments], stdout=output, stderr=errors)
        timer = threading.Timer(timeout, process.kill) if timeout is not None else None
        if timer is not None:
            timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        if timer is not None:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode < 0:  # killed at the limit
            return float("inf")
        if process.returncode:
            errors.seek(0)
            raise RuntimeError(errors.read()[-2000:].decode(errors="replace"))
        output.seek(0)
        peak = int(output.read().split()[-1])
    key = (algebra, *arguments)
    _peaks[tuple(arguments)] = peak / 1024
    _cpu[key] = min(_cpu.get(key, float("inf")), usage.ru_utime + usage.ru_stime)
    return seconds


_peaks: dict[tuple[str, ...], float] = {}
_cpu: dict[tuple[str, ...], float] = {}
"""CPU seconds (user and system) of the process, the least of its runs: on a shared machine
the time it waits for a CPU inflates the wall-clock time, not this."""


def _yardstick_cpu() -> float:
    process = subprocess.Popen([sys.executable, "-c", "import sympy"])
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    assert not process.returncode
    return usage.ru_utime + usage.ru_stime


def _module(directory: Path, name: str, kernels: list[dict[str, object]], parameters: list[str]) -> None:
    document: dict[str, object] = {"class_name": name, "kernels": kernels}
    if parameters:
        document["parameters"] = parameters  # otherwise the signature is inferred: every name the formulas use
    (directory / f"{name}.json").write_text(json.dumps(document), encoding="utf-8")


def _linear_calls(directory: Path, count: int) -> str:
    """A module of `count` kernels, each calling Linear with other arguments."""
    name = f"synthetic.Linears{count}"
    kernels = []
    for k in range(count):
        reference = f"${{{LINEAR}}}(batch_size, seq_len, {k + 1} * hidden_size, {k % 7 + 1} * hidden_size + {k})"
        kernels.append(leaf(f"Projection {k}", reference, reference, reference))
    _module(directory, name, kernels, ["batch_size", "seq_len", "hidden_size"])
    return name


def _one_formula(directory: Path, name: str, formula: str, names: list[str]) -> str:
    _module(directory, name, [leaf("Work", formula, "a_bytes", "0")], names)
    return name


def _sum_of_terms(count: int) -> str:
    """`count` distinct terms, added in groups of 100 so that the chain stays within the default nesting limit."""
    terms = [f"{i + 1} * x{i % 100} * y{i // 100}" for i in range(count)]
    return " + ".join(f"({' + '.join(terms[i : i + 100])})" for i in range(0, count, 100))


def run() -> list[Result]:
    yardstick = best_of(lambda: subprocess.run([sys.executable, "-c", "import sympy"], check=True), 5)
    yardstick_cpu = min(_yardstick_cpu() for _ in range(5))
    baseline = f'`python -c "import sympy"` {yardstick * 1000:.0f} ms (CPU {yardstick_cpu * 1000:.0f} ms)'

    def cpu(algebra: str, arguments: list[str]) -> str:
        seconds = _cpu[(algebra, *arguments)]
        return f"CPU time {seconds:.2f} s, {seconds / yardstick_cpu:.2f}× the baseline's"
    results: list[Result] = []

    def figure(
        name: str, arguments: list[str], goal: float | None, note: str = "", before: bool = True, repeat: int = 3, limit: float | None = None
    ) -> float:
        seconds = best_of(lambda: _kc("core", arguments, limit), repeat)
        if tuple(arguments) not in _peaks:  # every run stopped at the limit
            results.append(Result(name, limit or 0.0, "s", baseline=baseline, note=f"stopped after {limit:.0f} s" + (f"; {note}" if note else "")))
            return seconds
        ratio = seconds / yardstick
        peak = _peaks[tuple(arguments)]
        extra = f"memory peak {peak:.0f} MiB; {cpu('core', arguments)}" + (f"; {note}" if note else "")
        goals = {"goal": f"≤ {goal}× baseline", "met": ratio <= goal} if goal is not None else {}
        results.append(Result(name, seconds, "s", baseline=baseline, ratio=ratio, note=extra, **goals))  # type: ignore[arg-type]
        if before:
            old = _kc("sympy", arguments, BEFORE_LIMIT)
            if old == float("inf"):
                results.append(Result(f"{name}, sympy algebra (before)", BEFORE_LIMIT, "s", baseline=baseline, note=f"stopped after {BEFORE_LIMIT} s"))
            else:
                results.append(Result(f"{name}, sympy algebra (before)", old, "s", baseline=baseline, ratio=old / yardstick, note=f"{old / seconds:.1f}× the core's time; {cpu('sympy', arguments)}"))
        return seconds

    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        out = str(directory / "out")
        figure("`kc compile` of Llama to JSON, cold", ["compile", LLAMA, "-o", out], 0.5, "built-in library")
        figure("`kc compile` of Mistral to JSON, cold", ["compile", MISTRAL, "-o", out], None, "built-in library; its sliding window is a conditional")

        library = directory / "library"
        root = synthetic_library(library, modules=1_000, depth=10)
        figure("`kc compile` of a 1,000-module library, 10 levels, two calls per module", ["compile", root, "--lib", str(library), "-o", out], 1.5)

        one = _linear_calls(directory, 1_000)
        ten = _linear_calls(directory, 10_000)
        single = figure("`kc compile` of a module of 1,000 kernels each calling Linear with other arguments", ["compile", one, "--lib", scratch, "-o", out], 0.5)
        many = figure("`kc compile` of a module of 10,000 such kernels", ["compile", ten, "--lib", scratch, "-o", out], None, before=False, repeat=1, limit=BEFORE_LIMIT)
        if many != float("inf"):
            results[-1] = dataclasses.replace(results[-1], note=f"{results[-1].note}; {many / single:.1f}× the time of 1,000 kernels")

        names = [f"x{i}" for i in range(100)]
        cases: list[tuple[str, str, list[str], list[str]]] = [
            ("max of 100 names", f"max({', '.join(names)})", names, []),
            ("min of 100 names", f"min({', '.join(names)})", names, []),
            ("a sum of 5,000 terms", _sum_of_terms(5_000), [], ["formula_length=200000"]),
            ("a product of 200 factors", " * ".join(f"x{i}" for i in range(200)), [], ["nesting_depth=500"]),
        ]
        for title, formula, parameters, limits in cases:
            name = _one_formula(directory, f"synthetic.Formula{len(results)}", formula, parameters)
            settings = [part for limit in limits for part in ("--limit", limit)]
            figure(f"`kc compile` of one formula: {title}", [*settings, "compile", name, "--lib", scratch, "-o", out], 0.3)
    return results


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    for result in run():
        print(result)

