"""The HTML page: its size, and the time to recompute every kernel after an edit, in headless Chromium.

- Size: the page of every built-in model (`kc compile ROOT --emit html`
  with its public config), the largest reported; the goal is under 400 KB.
- Recompute: the largest model's page (the most kernels) opened in Debian's
  Chromium over the DevTools protocol (tests/helpers/browser.py). Each edit
  types a new value into a field the way the page's own listener sees it (the
  field's value set, an `input` event dispatched) and is timed with
  `performance.now()` inside the page, from before the edit until the
  layout that follows it is done (`offsetHeight` forces it): every kernel's
  formulas, the totals, the memory section, the rows and the roofline chart.
  Two figures per edit: the page's script (its own `performance.now()`
  around the recompute: every kernel's costs and the DOM written) and the
  whole edit to layout. The median, fastest and slowest of the edits are
  reported, once with integer values (BigInt operators) and once with
  `a_bytes=1/2` (exact rationals). On a shared machine the load average
  (printed) inflates every figure; the fastest edit shows the cost without
  contention best.

Without Chromium the recompute rows are left out (with a line on stderr).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

from common import Result

from compiler.backends import html
from compiler.hf import families, family_of, load_config
from compiler.input.library import Library
from compiler.pipeline import compile_tree
from compiler.tree import leaves
from tests.helpers.browser import Browser, chromium

CONFIGS = Path(__file__).resolve().parent.parent / "tests" / "hf_configs"
EDITS = 100
WARMUP = 5
SEQ_LENS = ["1", "77", "512", "4096", "32768", "8192", "128", "2048"]

_EDIT = """((value) => {
  const input = document.querySelector('input[data-name="seq_len"]');
  const started = performance.now();
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  void document.body.offsetHeight;
  const elapsed = performance.now() - started;
  const status = document.getElementById("kc-status");
  return { elapsed, script: Number(document.body.getAttribute("data-recompute-ms")), error: status.hidden ? null : status.textContent,
           flops: document.querySelector('[data-kc="total-flops"]').getAttribute("data-value") };
})"""


def _pages() -> dict[str, tuple[str, int]]:
    """Each family's root: its page with its public config, and its count of leaf kernels."""
    roots = {family.root for family in families().values()}
    configs: dict[str, Path] = {}
    for path in sorted(CONFIGS.glob("*.json")):
        root = family_of(load_config(str(path))).root
        configs.setdefault(root, path)
    found = {}
    library = Library.from_path([], environment=False)
    for root in sorted(roots):
        tree = compile_tree(library, root).tree
        assert tree is not None
        chosen = [str(configs[root])] if root in configs else []
        found[root] = (html.emit(tree, configs=html.load_configs(chosen)), len(list(leaves(tree.kernels or ()))))
    return found


def _edits(browser: Browser, page_path: Path, fragment: str) -> tuple[list[float], list[float]]:
    page = browser.open(page_path.as_uri() + fragment)
    totals, scripts = [], []
    for index in range(WARMUP + EDITS):
        shown = page.eval(f"{_EDIT}({SEQ_LENS[index % len(SEQ_LENS)]!r})")
        if shown["error"] is not None or shown["flops"] is None:
            raise AssertionError(f"the page did not compute: {shown['error']}")
        if index >= WARMUP:
            totals.append(shown["elapsed"])
            scripts.append(shown["script"])
    errors = page.console_errors()
    if errors:
        raise AssertionError(f"console errors: {errors}")
    return totals, scripts


def run() -> list[Result]:
    pages = _pages()
    largest_page = max(pages, key=lambda root: len(pages[root][0].encode()))
    size = len(pages[largest_page][0].encode())
    smallest = min(len(text.encode()) for text, _ in pages.values())
    short = largest_page.rsplit(".", 1)[-1]
    results = [
        Result(
            f"`--emit html` page of {short}, the largest of the {len(pages)} built-in models",
            size / 1000,
            "KB",
            goal="< 400 KB",
            met=size < 400_000,
            note=f"with its public config; the others {smallest / 1000:.0f} KB and up",
        )
    ]
    if chromium() is None:
        print("bench_html: chromium is not installed; the recompute time is not measured", file=sys.stderr)
        return results
    root = max(pages, key=lambda r: pages[r][1])
    short, kernels = root.rsplit(".", 1)[-1], pages[root][1]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory() as scratch, Browser() as browser:
        path = Path(scratch) / "page.html"
        path.write_text(pages[root][0], encoding="utf-8")
        for label, fragment in (("integer values", "#batch_size=8&cache_len=1024"), ("a_bytes=1/2, exact rationals", "#batch_size=8&cache_len=1024&a_bytes=1%2F2")):
            totals, scripts = _edits(browser, path, fragment)
            for what, times, goal in (("the page's script", scripts, "≤ 30 ms"), ("edit to layout", totals, "")):
                median = statistics.median(times) / 1000
                results.append(
                    Result(
                        f"page of {short} ({kernels} kernels) in Chromium, an edit of seq_len, {label}: {what}",
                        median,
                        "s",
                        goal=goal,
                        met=median <= 0.030 if goal else None,
                        note=f"median of {EDITS} edits, fastest {min(times):.1f} ms, slowest {max(times):.1f} ms; load average {load:.1f}",
                    )
                )
    return results
