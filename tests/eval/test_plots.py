"""`kc roofline` and `kc eval --plot`: valid PNG and SVG files of sensible size, drawn headless, the same every time."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tests.helpers import CONFIGS, assert_clean_failure, run_kc

pytestmark = pytest.mark.slow  # matplotlib figures drawn through the command line

pytest.importorskip("matplotlib")

CONFIG = str(CONFIGS / "Meta-Llama-3-8B.json")
LLAMA = "transformers.models.llama.modeling_llama.LlamaForCausalLM"
QWEN3 = "transformers.models.qwen3.modeling_qwen3.Qwen3ForCausalLM"
QWEN3_CONFIG = str(CONFIGS / "Qwen3-8B.json")
HEADLESS = {"MPLBACKEND": "", "DISPLAY": ""}


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert data.endswith(b"IEND\xaeB`\x82"), "truncated PNG"
    return width, height


def test_roofline_png(tmp_path: Path) -> None:
    output = tmp_path / "roofline.png"
    result = run_kc("roofline", LLAMA, "--hf-config", CONFIG, "--set", "seq_len=2048", "-o", str(output), env=HEADLESS)
    assert result.returncode == 0, result.stderr
    assert f"kc: wrote {output}" in result.stderr
    width, height = png_size(output)
    assert 600 <= width <= 2000 and 400 <= height <= 1500
    assert 20_000 < output.stat().st_size < 400_000


def test_roofline_svg_is_deterministic(tmp_path: Path) -> None:
    outputs = []
    for name in ("a.svg", "b.svg"):
        output = tmp_path / name
        result = run_kc(
            "roofline", QWEN3, "--hf-config", QWEN3_CONFIG, "--phase", "decode", "--set", "cache_len=4096",
            "--set", "batch_size=8", "--hardware", "mi300x", "-o", str(output), env=HEADLESS,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        outputs.append(output.read_bytes())
    assert outputs[0] == outputs[1]
    root = ElementTree.fromstring(outputs[0])
    assert root.tag.endswith("svg")
    text = outputs[0].decode()
    # Text stays text: the device's ceilings and the kernels that take the most time.
    assert "memory 5.3 TB/s" in text and "bf16 matmul 1307.4 TFLOP/s" in text
    assert "1  Attention scores and weighted values" in text
    assert 20_000 < len(outputs[0]) < 2_000_000


def test_roofline_of_a_device_without_a_vector_figure(tmp_path: Path) -> None:
    output = tmp_path / "tpu.png"
    result = run_kc("roofline", LLAMA, "--hf-config", CONFIG, "--set", "seq_len=512", "--hardware", "tpu-v5e", "-o", str(output), env=HEADLESS)
    assert result.returncode == 0, result.stderr
    png_size(output)


def test_sweep_plot_png_and_svg(tmp_path: Path) -> None:
    for name in ("time.png", "time.svg"):
        output = tmp_path / name
        result = run_kc(
            "eval", LLAMA, "--hf-config", CONFIG, "--sweep", "seq_len=128:16384:*2", "--generate", "64",
            "--plot", str(output), "--format", "csv", env=HEADLESS,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("seq_len,")  # the numbers still go to stdout
        assert f"kc: wrote {output}" in result.stderr
    width, _ = png_size(tmp_path / "time.png")
    assert width >= 600
    assert 10_000 < (tmp_path / "time.png").stat().st_size < 300_000
    ElementTree.parse(tmp_path / "time.svg")


def test_roofline_needs_an_image_name(tmp_path: Path) -> None:
    result = run_kc("roofline", LLAMA, "--hf-config", CONFIG, "--set", "seq_len=8", "-o", str(tmp_path / "r.jpg"))
    assert result.returncode == 2 and "name the file *.png or *.svg" in result.stderr and "Traceback" not in result.stderr


def test_roofline_into_a_missing_directory(tmp_path: Path) -> None:
    result = run_kc("roofline", LLAMA, "--hf-config", CONFIG, "--set", "seq_len=8", "-o", str(tmp_path / "no" / "r.png"))
    assert_clean_failure(result, "cannot write")


def test_without_matplotlib(tmp_path: Path) -> None:
    """A clear message, not a traceback, where the `plot` extra is not installed."""
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "matplotlib").mkdir()
    (blocker / "matplotlib" / "__init__.py").write_text("raise ImportError('no matplotlib here')\n")
    result = run_kc("roofline", LLAMA, "--hf-config", CONFIG, "--set", "seq_len=8", "-o", str(tmp_path / "r.png"), env={"PYTHONPATH": str(blocker)})
    assert_clean_failure(result, "plots need matplotlib: in the checkout", "pip install -e '.[plot]' (or pip install matplotlib)")
