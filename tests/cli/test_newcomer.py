"""A newcomer's first hour: what a new user meets first, from a terminal, the README and --help."""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import struct
import subprocess
import sys
import termios
from collections.abc import Callable
from pathlib import Path

import pytest

from compiler.errors import install_hint
from tests.helpers import CONFIGS, ROOT, assert_clean_failure, leaf, run_kc, uniform

LLAMA = "transformers.models.llama.modeling_llama.LlamaForCausalLM"
LLAMA_MLP = "transformers.models.llama.modeling_llama.LlamaMLP"
LLAMA_CONFIG = str(CONFIGS / "Meta-Llama-3-8B.json")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")

ROUND_HARDWARE = """
[round]
name = "Round numbers"
matmul = { bf16 = "1 PFLOP/s" }
vector = "10 TFLOP/s"
memory_bandwidth = "2 TB/s"
"""


def in_terminal(*args: str, columns: int = 100, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run kc with standard output and error on a real pseudo-terminal `columns` wide; the text it shows, escapes removed."""
    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 60, columns, 0, 0))
    environment = {**os.environ, "COLUMNS": str(columns), "LINES": "60", "TERM": "xterm-256color", "NO_COLOR": "1", **(env or {})}
    environment.pop("KC_PATH", None)
    process = subprocess.Popen([sys.executable, "-m", "compiler", *args], stdin=terminal, stdout=terminal, stderr=terminal, env=environment, close_fds=True)
    os.close(terminal)
    output = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 120)
        if not ready:
            process.kill()
            break
        try:
            chunk = os.read(controller, 1 << 16)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    status = process.wait(timeout=120)
    return status, ANSI.sub("", output.decode("utf-8", "replace")).replace("\r\n", "\n")


# ---------------------------------------------------------------- item 2: the eval table fits the terminal


def columns_of(header: str) -> list[tuple[str, int, int]]:
    """(name, start, end) of every column of a table whose first column is left-aligned and the others right-aligned."""
    names = re.findall(r"\S+(?: \S+)*", header)
    found, position = [], 0
    for name in names:
        start = header.index(name, position)
        found.append((name, start, start + len(name)))
        position = start + len(name)
    return found


def table(lines: list[str]) -> tuple[list[str], list[tuple[str, dict[str, str]]]]:
    """The header names and, per row, (label with its indentation, {column: cell}) of a kc eval table."""
    top = next(i for i, line in enumerate(lines) if line.startswith("kernel "))
    header = columns_of(lines[top])
    rows = []
    for line in lines[top + 2 :]:
        if not line.strip() or set(line.replace(" ", "")) <= {"-", "─"}:
            break
        label = re.split(r"\s{2,}", line.lstrip())[0]
        label_end = len(line) - len(line.lstrip()) + len(label)
        starts = [label_end, *(end for _, _, end in header[1:-1])]
        cells = {name: line[start:end].strip() for (name, _, end), start in zip(header[1:], starts, strict=True)}
        rows.append((line[:label_end], cells))
    return [name for name, _, _ in header], rows


@pytest.mark.slow
@pytest.mark.parametrize("width", [80, 100])
def test_the_eval_table_fits_the_terminal_and_cuts_no_number_or_word(width: int) -> None:
    arguments = ("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--phase", "decode", "--set", "cache_len=4096")
    status, shown = in_terminal(*arguments, columns=width)
    assert status == 0, shown
    piped = run_kc(*arguments)
    assert piped.returncode == 0, piped.stderr
    lines = shown.splitlines()
    assert max(len(line) for line in lines) <= width, "\n".join(line for line in lines if len(line) > width)
    names, rows = table(lines)
    full_names, full_rows = table(piped.stdout.splitlines())
    assert names[0] == "kernel" and {"time", "share"} <= set(names) and len(names) >= 5
    assert len(rows) == len(full_rows)  # one line per row: nothing wrapped
    for (label, cells), (full_label, full_cells) in zip(rows, full_rows, strict=True):
        indent = len(label) - len(label.lstrip())
        assert indent == len(full_label) - len(full_label.lstrip())
        text, full = label.strip(), full_label.strip()
        if text != full:  # shortened: whole words of the start, then …
            assert text.endswith("…"), (text, full)
            kept = text.removesuffix("…").removesuffix(" ").removesuffix(" ›")
            assert full.startswith(kept) and full[len(kept)] == " ", (text, full)
        for name, cell in cells.items():
            if name == "bytes":  # read and written, merged
                assert re.fullmatch(r"\d+(\.\d+)? (B|KiB|MiB|GiB|TiB)", cell), cell
            else:
                assert cell == full_cells[name], (name, cell, full_cells[name])
        assert cells["share"].endswith("%")
    total = next(line for line in lines if line.startswith("total "))
    assert "4.65 ms" in total and "100%" in total
    left_out = [name for name in full_names if name not in names and name not in ("read", "written")]
    if left_out:
        assert f"not shown for want of width: {', '.join(n for n in full_names if n not in names)}" in " ".join(lines)
    assert "Attent\n" not in shown and "ion " not in [line.strip()[:4] for line in lines]


@pytest.mark.slow
def test_a_sweep_table_fits_80_columns_and_says_what_it_left_out() -> None:
    status, shown = in_terminal("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--phase", "decode", "--sweep", "cache_len=0:32768:8192", "--sweep", "batch_size=1,16", columns=80)
    assert status == 0, shown
    lines = shown.splitlines()
    assert max(len(line) for line in lines) <= 80
    header = next(line for line in lines if line.lstrip().startswith("cache_len"))
    assert header.split()[:3] == ["cache_len", "batch_size", "time"]
    rows = [line for line in lines if re.match(r"\s+\d+\s+(1|16)\s+\d", line)]
    assert len(rows) == 10 and all(re.search(r"\d+(\.\d+)? ms", row) for row in rows)
    assert "not shown for want of width:" in shown and "data movement" in shown


# ---------------------------------------------------------------- item 8: one exit-status rule


@pytest.mark.slow
@pytest.mark.parametrize(
    ("arguments", "status"),
    [
        (("--set", "seq_len=abc"), 2),  # a value that does not parse
        (("--sweep", "seq_len=8:1"), 2),
        (("--set", "seq_len=8", "--compute-efficiency", "0"), 2),  # outside the option's range
        (("--set", "seq_len=8", "--memory-efficiency", "2"), 2),
        (("--set", "seq_len=8", "--sweep", "seq_len=1,2"), 2),  # options that contradict each other
        (("--set", "seq_len=8", "--generate", "2", "--phase", "decode", "--set", "cache_len=8"), 2),
        (("--phase", "decode", "--set", "seq_len=8", "--set", "cache_len=8"), 2),
        (("--set", "seq_len=8", "--phase", "sideways"), 2),
        (("--set", "seq_len=8", "--hardware", "h100"), 1),  # well-formed, but no such device
        (("--set", "seqlen=3"), 1),  # well-formed, but the module has no such parameter
        (("--phase", "decode"), 1),  # the module needs a value nobody gave
        (("--set", "seq_len=8", "--hardware", "a100-80gb", "--precision", "fp8"), 1),  # the device has no such peak
        (("--set", "seq_len=8", "--hardware-file", "no-such-file.toml"), 1),
    ],
)
def test_a_malformed_command_line_is_2_and_a_request_kc_cannot_satisfy_is_1(arguments: tuple[str, ...], status: int) -> None:
    result = run_kc("eval", LLAMA, "--hf-config", LLAMA_CONFIG, *arguments)
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    if status == 2:
        assert result.stderr.startswith("usage: kc eval") and "kc eval: error: argument --" in result.stderr
    else:
        assert result.stderr.startswith("kc: error: ")


def test_the_rule_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "a malformed command line" in readme and "kc cannot satisfy" in readme


# ---------------------------------------------------------------- item 7: cheap checks before any work


def test_outputs_are_checked_before_the_module_is_read(library: Callable[..., Path], tmp_path: Path) -> None:
    """A module with errors, and an output into a directory that does not exist: the output is what fails, first."""
    broken = library({"bad.M": [leaf("K", "2 *", "1", "1")]})
    missing = tmp_path / "no" / "such"
    for arguments in (
        ("eval", "bad.M", "--lib", str(broken), "--sweep", "n=1,2", "--plot", str(missing / "t.png")),
        ("eval", "bad.M", "--lib", str(broken), "--set", "n=1", "-o", str(missing / "t.csv")),
        ("roofline", "bad.M", "--lib", str(broken), "--set", "n=1", "-o", str(missing / "r.svg")),
        ("compile", "bad.M", "--lib", str(broken), "-o", str(missing / "m.json")),
        ("plan", "bad.M", "--lib", str(broken), "-o", str(missing / "m.md")),
    ):
        result = run_kc(*arguments)
        assert_clean_failure(result, f"cannot write: No such file or directory (there is no directory {missing})")
        assert "KC101" not in result.stderr, arguments


@pytest.mark.slow
def test_plot_without_matplotlib_fails_before_the_sweep_with_the_right_hint(tmp_path: Path) -> None:
    blocker = tmp_path / "block"
    (blocker / "matplotlib").mkdir(parents=True)
    (blocker / "matplotlib" / "__init__.py").write_text("raise ImportError('no matplotlib here', name='matplotlib')\n")
    result = run_kc("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--sweep", "seq_len=8,16", "--plot", str(tmp_path / "t.png"), env={"PYTHONPATH": str(blocker)})
    assert_clean_failure(result, "plots need matplotlib", f"in the checkout {ROOT}: pip install -e '.[plot]' (or pip install matplotlib)")
    assert "seq_len" not in result.stderr.split("plots need")[0]  # nothing computed or printed before
    assert not (tmp_path / "t.png").exists()


def test_the_install_hint_of_an_installed_kc(tmp_path: Path) -> None:
    """Where kc is not a checkout (a wheel in site-packages), the hint names the packages, not a checkout."""
    assert install_hint("plot", "matplotlib", root=tmp_path) == "pip install matplotlib (kc's optional `plot` extra)"
    assert install_hint("plot", "matplotlib", root=ROOT) == f"in the checkout {ROOT}: pip install -e '.[plot]' (or pip install matplotlib)"


# ---------------------------------------------------------------- item 5: kc compile on a terminal


@pytest.mark.slow
def test_compile_on_a_terminal_is_a_summary_and_json_when_piped_or_asked() -> None:
    status, shown = in_terminal("compile", LLAMA_MLP, columns=100)
    assert status == 0, shown
    assert not shown.lstrip().startswith("{") and '"kernels"' not in shown
    lines = shown.splitlines()
    assert lines[0] == LLAMA_MLP
    assert "parameters: batch_size seq_len hidden_size intermediate_size a_bytes w_bytes" in shown
    assert "  flops = 6 * batch_size * seq_len * hidden_size * intermediate_size +" in shown
    assert re.search(r"kernels: \d+ leaf kernels; the top 2 levels:", shown)
    assert "Gate projection" in shown and "Down projection" in shown
    for command in (f"kc compile {LLAMA_MLP} -o LlamaMLP.json", f"kc compile {LLAMA_MLP} --emit py -o llamamlp_cost.py", f"kc eval {LLAMA_MLP} --set NAME=VALUE"):
        assert command in shown, command
    assert max(len(line) for line in lines if not line.startswith("    kc ")) <= 100
    piped = run_kc("compile", LLAMA_MLP)
    assert piped.returncode == 0 and json.loads(piped.stdout)["totals"]["flops"].startswith("6 * batch_size")
    status, forced = in_terminal("compile", LLAMA_MLP, "-o", "-", columns=100)
    assert status == 0 and json.loads(forced) == json.loads(piped.stdout)


# ---------------------------------------------------------------- item 3: a misspelled name


def test_a_name_one_edit_from_another_is_a_warning_with_did_you_mean(library: Callable[..., Path]) -> None:
    lib = library(
        {
            "u.Inner": [leaf("Heads", "batch_size * num_heads * head_dim", "num_heads * head_dim * a_bytes", "num_heads * head_dim * a_bytes", compute="vector")],
            "u.Block": [
                leaf("Up", "2 * batch_size * seq_len * hidden_size * intermediate_size", "batch_size * seq_len * hidden_size * a_bytes", "batch_size * seq_len * intermediate_size * a_bytes", compute="matmul"),
                leaf("Norm", "4 * batch_size * seq_len * hiden_size", "batch_size * seq_len * hidden_size * a_bytes", "batch_size * seq_len * hidden_size * a_bytes", compute="vector"),
                uniform("Attention", "${u.Inner}(batch_size, num_head, head_dim)"),
                leaf("Layers", "layer1 * layer2 * d * h", "layer1 * a_bytes", "layer2 * a_bytes", compute="vector"),
            ],
        }
    )
    result = run_kc("check", "--format", "json", str(lib))
    records = [json.loads(line) for line in result.stdout.splitlines()]
    near = {r["message"] for r in records if r["code"] == "KC504"}
    assert near == {
        "'hiden_size' is one edit from 'hidden_size': did you mean 'hidden_size'?",
        "'num_head' is one edit from 'num_heads', a parameter of Inner: did you mean 'num_heads'?",
    }
    hiden = next(r for r in records if r["code"] == "KC504" and "hiden" in r["message"])
    assert (hiden["severity"], hiden["pointer"], hiden["hint"]) == ("warning", "kernels[1].flops", "write hidden_size, or pass --rename hiden_size=hidden_size")
    compiled = run_kc("compile", "u.Block", "--lib", str(lib))
    assert compiled.returncode == 0 and "warning[KC504]: 'hiden_size' is one edit from 'hidden_size'" in compiled.stderr
    documented = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert "### KC504" in documented


# ---------------------------------------------------------------- item 4: every problem in one run


def test_compile_reports_every_problem_of_every_module_in_one_run(library: Callable[..., Path]) -> None:
    lib = library(
        {
            "a.Root": [uniform("X", "${a.Mid}(n, n, n)"), leaf("Y", "${a.Missing}(n)", "n * a_bytes", "n * a_bytes")],
            "a.Mid": [leaf("K", "2 * m +", "m * a_bytes", "m * a_bytes")],
            "a.Other": [leaf("K", "${a.Mid}(1, 2)", "0", "0")],
        }
    )
    compiled = run_kc("compile", "a.Root", "--lib", str(lib))
    assert_clean_failure(compiled, "error[KC101]", "error[KC301]", "error[KC201]", "kc: failed with 3 errors")
    checked = run_kc("check", "--format", "json", str(lib))
    in_root = {(r["code"], Path(r["file"]).name, r["pointer"]) for r in map(json.loads, checked.stdout.splitlines()) if r["severity"] == "error" and "Other" not in r["file"]}
    said = set(re.findall(r"(\S+\.json):\d+:\d+: error\[(KC\d+)\]", compiled.stderr))
    assert {(name, code) for code, name, _ in in_root} == {(Path(file).name, code) for file, code in said}


# ---------------------------------------------------------------- item 10: one problem, reported once


def test_one_colliding_spelling_is_one_error(library: Callable[..., Path]) -> None:
    lib = library({"b.M": [leaf("K", "2 * bsz * n + batch_size * n", "batch_size * n * a_bytes", "batch_size * n * a_bytes", compute="vector")]})
    records = [json.loads(line) for line in run_kc("check", "--format", "json", str(lib)).stdout.splitlines()]
    assert [(r["code"], r["severity"]) for r in records] == [("KC308", "error")]
    assert records[0]["message"] == "'batch_size' and 'bsz' both mean 'batch_size' after renaming"
    assert records[0]["notes"] == ["'batch_size' is written in 2 more places of this module"]


# ---------------------------------------------------------------- item 9: compute tags of analyses written elsewhere


def test_an_untagged_linear_is_costed_as_a_matmul_and_check_says_so(library: Callable[..., Path], tmp_path: Path) -> None:
    """An analysis without tags: its own Linear runs at the matmul peak (by the hand-computed roofline), the rest stays vector and is warned about."""
    lib = library(
        {
            "torch.nn.modules.linear.Linear": [
                leaf("Matrix multiplication with bias addition", "2 * n * k * m", "n * k * a_bytes", "n * m * a_bytes"),
                leaf("Bias addition", "n * m", "0", "0"),
            ],
            "u.Block": [uniform("Projection", "${torch.nn.modules.linear.Linear}(n, k, m)"), leaf("Scale", "n * m", "n * m * a_bytes", "n * m * a_bytes")],
        }
    )
    hardware = tmp_path / "round.toml"
    hardware.write_text(ROUND_HARDWARE, encoding="utf-8")
    result = run_kc("eval", "u.Block", "--lib", str(lib), "--hardware-file", str(hardware), "--set", "n=1000", "--set", "k=1000", "--set", "m=1000", "--format", "json")
    assert result.returncode == 0, result.stderr
    kernels = {tuple(k["path"][-1:]): k for k in json.loads(result.stdout)["kernels"]}
    matmul = kernels[("Matrix multiplication with bias addition (from Linear)",)]
    assert matmul["compute"] == "matmul" and matmul["compute_time"] == pytest.approx(2e9 / 1e15, rel=1e-12)
    bias = kernels[("Bias addition (from Linear)",)]
    assert bias["compute"] == "untagged" and bias["compute_time"] == pytest.approx(1e6 / 10e12, rel=1e-12)
    records = [json.loads(line) for line in run_kc("check", "--format", "json", str(lib)).stdout.splitlines()]
    codes = sorted((r["code"], Path(r["file"]).name.split(".")[-2]) for r in records if r["code"] != "KC007")  # KC007: it shadows the built-in Linear
    assert codes == [("KC505", "Linear"), ("KC506", "Block"), ("KC506", "Linear")]
    note = next(r for r in records if r["code"] == "KC505")
    assert note["severity"] == "note" and "'Matrix multiplication with bias addition' is costed as \"compute\": \"matmul\"" in note["message"]


# ---------------------------------------------------------------- item 11: the progress bar covers writing


@pytest.mark.slow
def test_the_progress_bar_goes_on_while_a_large_sweep_is_written(tmp_path: Path) -> None:
    out = tmp_path / "sweep.csv"
    status, shown = in_terminal("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--sweep", "seq_len=1:200", "--sweep", "batch_size=1:500", "--format", "csv", "-o", str(out), columns=100)
    assert status == 0, shown
    assert "sweep" in shown and "writing rows" in shown
    assert "100000/200000" not in shown.split("writing rows")[-1]  # the bar ends when the last row is written
    assert sum(1 for _ in out.open()) == 100_001


# ---------------------------------------------------------------- item 6: README examples run from a clone


def test_readme_examples_use_files_the_clone_has() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = "\n".join(re.findall(r"```sh\n(.*?)```", readme, flags=re.S))
    configs = re.findall(r"--hf-config (\S+)", commands)
    assert len(configs) >= 5 and all((ROOT / path).is_file() for path in configs), configs
    assert "pip install '.[plot]'" in readme
