"""Per-pass golden fixtures, in the style of sqlglot's optimizer fixtures: readable cases, one test each.

`tests/passes/fixtures/<pass>.txt` holds cases for the pass it is named
after, each compiled through the public API so the cases outlive changes to
the passes' internals. A case is a title line (`## what it shows`), one line
per module (`Name(param, ...): formula`, the formula in all three fields,
or `Name(...): flops | read | write`), and the expected result: the root's
totals (`flops:`, `read:`, `write:`, each optional) or its problems
(`error KCnnn: text` and `warning KCnnn: text`, each a substring of the
message). The last module is the root. Flags on lines of their own:
`lenient` compiles leniently; `warnings` lists every warning too (a case
without it lists errors only, where there are any). `pytest --update-golden` rewrites the expectations.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import compiler
from compiler.backends import emit
from compiler.diagnostics import Diagnostic, Severity
from compiler.input.library import Library
from compiler.pipeline import compile_tree

FIXTURES = Path(__file__).parent / "fixtures"
MODULE = re.compile(r"^(?P<name>[\w.]+)(?:\((?P<parameters>[^)]*)\))?:\s*(?P<formulas>.+)$")
EXPECTED = re.compile(r"^(?P<key>flops|read|write|error|warning)\b(?: (?P<code>KC\d+))?:\s*(?P<text>.*)$")


@dataclass
class Case:
    title: str
    modules: list[tuple[str, list[str] | None, list[str]]] = field(default_factory=list)
    expected: list[tuple[str, str | None, str]] = field(default_factory=list)
    lenient: bool = False
    warnings: bool = False


def read_cases(path: Path) -> list[Case]:
    cases: list[Case] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            cases.append(Case(line[3:].strip()))
        elif not line.strip() or line.startswith("#"):
            continue
        elif line.strip() in ("lenient", "warnings"):
            setattr(cases[-1], line.strip(), True)
        elif (expected := EXPECTED.match(line)) is not None:
            cases[-1].expected.append((expected["key"], expected["code"], expected["text"]))
        elif (module := MODULE.match(line)) is not None:
            parameters = None if module["parameters"] is None else [p.strip() for p in module["parameters"].split(",") if p.strip()]
            formulas = [f.strip() for f in module["formulas"].split(" | ")]
            cases[-1].modules.append((module["name"], parameters, formulas * 3 if len(formulas) == 1 else formulas))
        else:
            raise ValueError(f"{path.name}: cannot read {line!r}")
    return cases


def outcome(case: Case, directory: Path) -> list[tuple[str, str | None, str]]:
    """What kc makes of the case: the root's totals, or every problem it reports."""
    for name, parameters, (flops, read, write) in case.modules:
        module: dict[str, object] = {
            "class_name": name,
            "kernels": [{"operation": "work", "flops": flops, "memory_access": {"read": read, "write": write}}],
        }
        if parameters is not None:
            module["parameters"] = parameters
        (directory / f"{name}.json").write_text(json.dumps(module), encoding="utf-8")
    root = case.modules[-1][0]
    try:
        compilation = compile_tree(Library.from_path([directory]), root, lenient=case.lenient)
    except compiler.KcError as error:
        assert error.diagnostics is not None
        return _problems(error.diagnostics)
    assert compilation.tree is not None
    totals = json.loads(emit(compilation.tree, "json"))["totals"]
    memory = totals["memory_access"]
    return [("flops", None, totals["flops"]), ("read", None, memory["read"]), ("write", None, memory["write"]), *_problems(compilation.diagnostics)]


def _problems(diagnostics: Iterable[Diagnostic]) -> list[tuple[str, str | None, str]]:
    return [(str(d.severity), d.code, d.message) for d in diagnostics if d.severity is not Severity.NOTE]


def _checked(case: Case, found: list[tuple[str, str | None, str]]) -> list[tuple[str, str | None, str]]:
    """The problems the case speaks of: errors, and warnings where it says so."""
    return [entry for entry in found if entry[0] == "error" or (case.warnings and entry[0] == "warning")]


def matches(case: Case, found: list[tuple[str, str | None, str]]) -> bool:
    """Totals equal where given, and the problems one for one."""
    totals = {key: text for key, _, text in found if key in ("flops", "read", "write")}
    if any(totals.get(key, text) != text for key, _, text in case.expected if key in ("flops", "read", "write")):
        return False
    wanted = [entry for entry in case.expected if entry[0] in ("error", "warning")]
    problems = _checked(case, found)
    return len(wanted) == len(problems) and all(
        any(kind == key and found_code == code and text in message for kind, found_code, message in problems) for key, code, text in wanted
    )


def _render(case: Case, found: list[tuple[str, str | None, str]]) -> list[str]:
    totals = {key: text for key, _, text in found if key in ("flops", "read", "write")}
    problems = [f"{kind} {code}: {message}" for kind, code, message in _checked(case, found)]
    if not totals:
        return problems
    if totals["read"] == totals["write"] == totals["flops"]:
        return [f"flops: {totals['flops']}", *problems]
    return [*(f"{key}: {text}" for key, text in totals.items()), *problems]


CASES = [(path.stem, index, case) for path in sorted(FIXTURES.glob("*.txt")) for index, case in enumerate(read_cases(path))]


@pytest.mark.parametrize(("stage", "index", "case"), CASES, ids=[f"{stage}: {case.title}" for stage, _, case in CASES])
def test_fixture(stage: str, index: int, case: Case, tmp_path: Path, update_golden: bool) -> None:
    found = outcome(case, tmp_path)
    if update_golden:
        _rewrite(FIXTURES / f"{stage}.txt", index, _render(case, found))
        return
    assert matches(case, found), "\n".join(_render(case, found))


def _rewrite(path: Path, index: int, expected: list[str]) -> None:
    """Replace the expectations of case `index` in `path` with `expected`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("## ")]
    start, end = starts[index], starts[index + 1] if index + 1 < len(starts) else len(lines)
    body = [line for line in lines[start + 1 : end] if line.strip() and not EXPECTED.match(line)]
    lines[start:end] = [lines[start], *body, *expected, ""]
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
