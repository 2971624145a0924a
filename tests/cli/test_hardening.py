"""Hardening: limits answer fast, output is deterministic and atomic, nothing from the input is run.

The fuzz tests are in tests/cli/test_fuzz.py.
"""

from __future__ import annotations

import importlib
import json
import os
import shlex
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import compiler
from compiler.errors import KcError
from tests.helpers import ROOT, assert_clean_failure, leaf, run_kc, uniform

pytestmark = pytest.mark.slow  # signals, pipes, hash seeds and limits, each in fresh subprocesses

Library = Callable[..., Path]
LARGEST = "transformers.models.qwen3.modeling_qwen3.Qwen3ForCausalLM"


def doubling(library: Library, levels: int) -> Path:
    """Each level calls the next twice: 2**levels leaves."""
    modules = {f"d.L{i}": [uniform("twice", f"${{d.L{i + 1}}}(n) + ${{d.L{i + 1}}}(2 * n)")] for i in range(levels)}
    modules[f"d.L{levels}"] = [leaf("work", "n", "n * a_bytes", "n * a_bytes")]
    return library(modules)


def test_a_tree_too_large_is_refused_quickly_while_totals_and_py_still_work(library: Library) -> None:
    lib = doubling(library, 30)
    started = time.perf_counter()
    result = run_kc("compile", "d.L0", "--lib", str(lib))
    assert_clean_failure(result, "error[KC906]", "would have up to", "--emit py")
    assert time.perf_counter() - started < 30  # a subprocess on a loaded machine; the work itself is milliseconds
    source = compiler.compile_module("d.L0", [lib], emit="py")
    namespace: dict[str, object] = {}
    exec(compile(source, "d_L0.py", "exec"), namespace)  # kc's own generated code
    assert namespace["flops"](n=1) == 3**30  # type: ignore[operator]
    with pytest.raises(RuntimeError, match="too large"):
        namespace["kernels"](n=1, a_bytes=1)  # type: ignore[operator]


def test_limits_are_configurable_on_the_command_line(library: Library) -> None:
    lib = doubling(library, 3)
    assert run_kc("--limit", "tree_nodes=10", "compile", "d.L0", "--lib", str(lib)).returncode == 1
    assert run_kc("--limit", "tree_nodes=1000", "compile", "d.L0", "--lib", str(lib)).returncode == 0
    assert run_kc("--limit", "nonsense=3", "list").returncode == 2


def test_raised_depth_limits_get_room_on_the_stack(library: Library) -> None:
    """A sum of 3,000 terms nests 2,999 levels: refused by default, compiled in every backend when the limit allows it."""
    lib = library({"m.M": [leaf("k", "+".join(f"x{i}" for i in range(3000)), "0", "0")]})
    refused = run_kc("compile", "m.M", "--lib", str(lib))
    assert_clean_failure(refused, "error[KC903]", "each operator of a chain such as a + b + c counts")
    for emit in ("json", "py", "tex"):
        result = run_kc("--limit", "nesting_depth=5000", "compile", "m.M", "--lib", str(lib), "--emit", emit)
        assert result.returncode == 0 and "x2999" in result.stdout, result.stderr
    too_deep = run_kc("--limit", "nesting_depth=5001", "list")
    assert too_deep.returncode == 2 and "nesting_depth can be at most 5,000" in too_deep.stderr


@pytest.mark.parametrize(
    ("formula", "code"),
    [
        ("2 ** 2 ** 2 ** 100", "KC904"),
        ("1" * 300, "KC902"),
        ("(x + " * 300 + "x" + ")" * 300, "KC903"),
        ("x + " * 6000 + "x", "KC901"),
        ("(a + b + c + d + e + f) ** 40", "KC908"),
        ("(1 - (h + 1) / b) ** 300", "KC908"),  # the base's three terms once expanded, not its two
        # folded, a product of conditionals has a branch for each choice of theirs: 3 ** 30 terms
        (" * ".join(f"(x{i} if x{i} > x{i + 1} else x{i + 1} + 1)" for i in range(30)), "KC908"),
    ],
    ids=["power", "literal", "nesting", "length", "expansion", "nested expansion", "conditionals"],
)
def test_formula_limits_answer_at_once(library: Library, formula: str, code: str) -> None:
    lib = library({"m.M": [leaf("k", formula, "0", "0")]})
    importlib.import_module("compiler.symbolic")  # the sympy import is not the answer's time
    started = time.perf_counter()
    with pytest.raises(KcError) as raised:
        compiler.compile_module("m.M", [lib])
    assert time.perf_counter() - started < 5  # a hang guard: these inputs once took 17 s and more
    assert [d.code for d in raised.value.diagnostics.errors] == [code]


def test_deeply_nested_json_and_sub_kernels_are_refused(library: Library) -> None:
    nested: dict[str, object] = leaf("k", "1", "0", "0")
    for _ in range(300):
        nested = {"operation": "g", "sub_kernels": [nested]}
    lib = library({"m.Deep": {"kernels": [nested]}, "m.Json": "[" * 100_000 + "]" * 100_000})
    with pytest.raises(KcError) as deep:
        compiler.compile_module("m.Deep", [lib])
    assert deep.value.diagnostics.errors[0].code == "KC910"
    with pytest.raises(KcError) as json_error:
        compiler.compile_module("m.Json", [lib])
    assert json_error.value.diagnostics.errors[0].code in ("KC002", "KC003")


def test_large_files_are_refused_before_reading(library: Library) -> None:
    lib = library({"m.Big": {"kernels": [leaf("k", "1", "0", "0", padding="x" * 5_000_000)]}})
    with pytest.raises(KcError) as raised:
        compiler.compile_module("m.Big", [lib])
    assert raised.value.diagnostics.errors[0].code == "KC905"


# Determinism


@pytest.mark.parametrize("emit", ["json", "py", "tex"])
def test_output_is_identical_across_hash_seeds(emit: str) -> None:
    outputs = {run_kc("compile", LARGEST, "--emit", emit, env={"PYTHONHASHSEED": seed}).stdout for seed in ("0", "1", "4242")}
    assert len(outputs) == 1 and next(iter(outputs))


def test_output_does_not_depend_on_the_order_files_are_listed(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    lib = library({
        "m.A": [leaf("a", "x * y", "x * a_bytes", "0")],
        "m.B": [leaf("b", "y", "y * w_bytes", "0")],
        "m.Root": [uniform("both", "${m.B}(q) + 2 * ${m.A}(q, p)"), leaf("own", "p", "q * a_bytes", "0")],
    })
    first = {emit: compiler.compile_module("m.Root", [lib], emit=emit) for emit in ("json", "py", "tex")}
    original = os.scandir

    def reversed_scandir(path: object) -> object:
        entries = list(original(path))  # type: ignore[call-overload]

        class Listing:
            def __enter__(self) -> list[os.DirEntry[str]]:
                return entries[::-1]

            def __exit__(self, *exc: object) -> None:
                return None

        return Listing()

    monkeypatch.setattr(os, "scandir", reversed_scandir)
    assert {emit: compiler.compile_module("m.Root", [lib], emit=emit) for emit in ("json", "py", "tex")} == first


# Atomic output


def _compile_process(target: Path) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "NO_COLOR": "1"}
    return subprocess.Popen([sys.executable, "-m", "compiler", "compile", LARGEST, "-o", str(target)], env=environment, stderr=subprocess.PIPE)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_an_interrupted_or_killed_run_leaves_the_old_file(tmp_path: Path, how: signal.Signals) -> None:
    target = tmp_path / "model.json"
    started = time.perf_counter()
    assert _compile_process(target).wait() == 0
    complete, duration = target.read_text(), time.perf_counter() - started
    for fraction in (0.2, 0.4, 0.6):
        target.write_text("previous contents")
        process = _compile_process(target)
        time.sleep(duration * fraction)
        process.send_signal(how)
        _, stderr = process.communicate()
        assert target.read_text() in ("previous contents", complete)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]
        if how == signal.SIGKILL or process.returncode == 0:
            assert b"Traceback" not in stderr
        elif b"kc: interrupted" in stderr:  # from the first line of kc's entry point on, kc's own message
            assert process.returncode == 130 and b"Traceback" not in stderr, stderr
        else:
            # A SIGINT that lands while the interpreter is still starting (importing runpy,
            # or the package, before kc's entry point runs) ends the run as Python ends it,
            # with what Python prints then: never a frame of the entry point or after.
            assert b"__main__.py" not in stderr and b"compiler/cli" not in stderr, stderr


def test_output_through_a_symbolic_link_replaces_the_file_it_names(tmp_path: Path) -> None:
    (tmp_path / "real.json").write_text("previous contents")
    (tmp_path / "link.json").symlink_to("real.json")
    result = run_kc("compile", "torch.nn.modules.linear.Linear", "-o", str(tmp_path / "link.json"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "link.json").is_symlink()
    assert json.loads((tmp_path / "real.json").read_text())["class_name"] == "torch.nn.modules.linear.Linear"


def test_output_to_a_pipe_is_written_through_it(tmp_path: Path) -> None:
    """What is not a regular file (a pipe, /dev/null) is written to, never replaced by a file."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = run_kc("compile", "torch.nn.modules.linear.Linear", "-o", str(fifo))
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert json.loads(received[0])["class_name"] == "torch.nn.modules.linear.Linear"


def test_a_reader_that_goes_away_stops_kc_quietly() -> None:
    process = subprocess.Popen([sys.executable, "-m", "compiler", "compile", LARGEST], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # no reader: kc's first write finds a broken pipe
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 1
    assert stderr == b""


def test_a_closed_or_full_standard_output_is_one_line() -> None:
    command = shlex.join([sys.executable, "-m", "compiler", "compile", "torch.nn.modules.linear.Linear"])
    closed = subprocess.run(["bash", "-c", f"{command} >&-"], capture_output=True, text=True)
    assert closed.returncode == 1 and closed.stderr == "kc: error: standard output is closed: nowhere to write the result (write it to a file with -o FILE)\n"
    if Path("/dev/full").exists():
        full = subprocess.run(["bash", "-c", f"{command} >/dev/full"], capture_output=True, text=True)
        assert full.returncode == 1 and full.stderr == "kc: error: cannot write to standard output: No space left on device\n"


# Nothing from the input is run

HOSTILE = "__import__('os').system('echo pwned') \"\"\" ''' \\ \u2028 \n ${{x}} {{}} %s \\input{{/etc/passwd}} \\write18{{ls}}"


def test_no_input_reaches_eval_exec_or_compile(library: Library, tmp_path: Path) -> None:
    """Every backend, on hostile text, under an audit hook that records code being compiled or run."""
    lib = library({
        "m.Evil": {"class_name": "m.Evil", "kernels": [
            leaf(HOSTILE, "2 * n", "n * a_bytes", "n * a_bytes", analysis=HOSTILE, note=HOSTILE),
            uniform(HOSTILE, "${m.Leaf}(n)"),
        ]},
        "m.Leaf": [leaf(HOSTILE, "n", "n * a_bytes", "0", analysis=HOSTILE)],
    })
    script = textwrap.dedent(f"""
        import sys
        import compiler
        for emit in ("json", "py", "tex"):  # warm: imports, the grammar, the templates
            compiler.compile_module("transformers.models.llama.modeling_llama.LlamaMLP", emit=emit)
        events = []

        def hook(event, args):
            # ast.parse compiles to a syntax tree only, never to code: the Python
            # backend uses it (through ast.literal_eval) to prove its literals.
            if event not in ("exec", "compile"):
                return
            caller = sys._getframe(1).f_code
            if event == "exec" or (caller.co_name, caller.co_filename.rsplit("/", 1)[-1]) != ("parse", "ast.py"):
                events.append(event)

        sys.addaudithook(hook)
        for emit in ("json", "py", "tex"):
            compiler.compile_module("m.Evil", [{str(lib)!r}], emit=emit)
        print(len(events), sorted(set(events)))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "0", result.stdout
    assert "pwned" not in result.stdout + result.stderr


def test_only_the_cost_model_loader_executes_code() -> None:
    """A static proof: nothing in the package evaluates text but the loader of generated cost models."""
    import ast

    builtins = {"eval", "exec", "compile", "__import__"}
    text_evaluators = {"sympify", "parse_expr", "S", "lambdify"}
    deserializers = {("pickle", "load"), ("pickle", "loads"), ("marshal", "loads"), ("shelve", "open")}
    found = []
    for path in sorted((ROOT / "compiler").rglob("*.py")):
        where = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                found += [(where, alias.name) for alias in node.names if alias.name in text_evaluators | {"pickle", "marshal"}]
            elif isinstance(node, ast.Import):
                found += [(where, alias.name) for alias in node.names if alias.name in ("pickle", "marshal", "shelve")]
            elif isinstance(node, ast.Call):
                function = node.func
                if isinstance(function, ast.Name) and function.id in builtins | text_evaluators:
                    found.append((where, function.id))
                elif isinstance(function, ast.Attribute):
                    owner = ast.unparse(function.value)
                    if function.attr in text_evaluators or (owner, function.attr) in deserializers:
                        found.append((where, f"{owner}.{function.attr}"))
    # load_cost_model runs the --emit py source kc itself generated, from checked pieces.
    assert sorted(found) == [("compiler/__init__.py", "compile"), ("compiler/__init__.py", "exec")]


def test_an_interrupt_python_cannot_raise_ends_the_run_as_interrupted() -> None:
    """Ctrl-C landing in a callback of the import system is an exception Python cannot raise: it would print it
    and go on to the end. kc's entry point notes it instead, and the run ends interrupted."""
    code = textwrap.dedent("""
        import sys
        import compiler.__main__ as entry
        sys.unraisablehook = entry._unraisable

        class Callback:
            def __del__(self):
                raise KeyboardInterrupt  # as in `_get_module_lock`'s callback: Python cannot raise it here

        Callback()
        print(entry._interrupted)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.stdout == "True\n" and result.stderr == "", result
