"""Hardware presets and hardware files: coverage, sources, units, validation errors, precision choice."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from compiler.errors import HardwareError
from compiler.eval.hardware import PRECISIONS, choose_precision, load_file, lookup, presets

REQUIRED = ("h100-sxm", "h100-pcie", "h200", "a100-80gb", "a100-40gb", "l40s", "l4", "t4", "mi300x", "tpu-v5e")


def test_every_required_device_is_a_preset() -> None:
    assert set(REQUIRED) <= set(presets())


@pytest.mark.parametrize("name", sorted(presets()))
def test_every_figure_has_a_public_source(name: str) -> None:
    device = presets()[name]
    assert device.figures(), name
    for figure in device.figures():
        source = device.source_of(figure)
        assert source is not None, f"{name}.{figure} has no source"
        assert source.url.startswith("https://"), source.url
        assert len(source.document) > 10


@pytest.mark.parametrize("name", sorted(presets()))
def test_preset_figures_are_consistent(name: str) -> None:
    device = presets()[name]
    matmul = device.matmul
    assert {"bf16", "fp16"} & set(matmul), "every preset has a 16-bit matmul peak"
    assert 1e11 < device.memory_bandwidth < 1e14
    assert device.memory_capacity is None or 1e9 < device.memory_capacity < 1e12
    # Narrower precisions are never slower, and the 16-bit peak beats the vector unit.
    order = ["fp32", "tf32", "bf16", "fp8"]
    present = [matmul[p] for p in order if p in matmul]
    assert present == sorted(present)
    if device.vector is not None:
        assert device.vector <= max(matmul.get("bf16", 0), matmul.get("fp16", 0))
    if "bf16" in matmul and "fp16" in matmul:
        assert matmul["bf16"] == matmul["fp16"]


def test_dense_figures_are_half_of_the_sparsity_figures() -> None:
    # The H100 SXM datasheet prints 1,979 TFLOP/s bf16 and 3,958 fp8 "with sparsity"; dense is half.
    h100 = presets()["h100-sxm"]
    assert h100.matmul["bf16"] == pytest.approx(1979e12 / 2)
    assert h100.matmul["fp8"] == pytest.approx(3958e12 / 2)
    assert h100.memory_bandwidth == pytest.approx(3.35e12)
    # The A100 datasheet prints dense figures beside the starred sparse ones.
    assert presets()["a100-80gb"].matmul["bf16"] == pytest.approx(312e12)
    assert "fp8" not in presets()["a100-80gb"].matmul


def test_lookup_suggests_close_names() -> None:
    with pytest.raises(HardwareError, match=r"unknown hardware 'h100'.*did you mean h100-pcie, h100-sxm, h200\?\)"):
        lookup("h100")
    assert lookup("H100_SXM").id == "h100-sxm"  # case and underscores forgiven
    assert lookup(None).id == "h100-sxm"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD_TOML = """
[my-gpu]
name = "My GPU"
matmul = { bf16 = "400 TFLOP/s", fp8 = 8e14, int8 = "800 TOPS" }
vector = "50 TFLOPS"
memory_bandwidth = "1.5 TB/s"
memory_capacity = "48 GiB"
source = { document = "My datasheet", url = "https://example.com/sheet.pdf" }
sources = { memory_capacity = { document = "Product page", url = "https://example.com/" } }
"""


def test_a_toml_hardware_file(tmp_path: Path) -> None:
    devices = load_file(write(tmp_path, "hw.toml", GOOD_TOML))
    device = devices["my-gpu"]
    assert device.matmul == {"bf16": 4e14, "fp8": 8e14, "int8": 8e14}
    assert device.vector == 5e13
    assert device.memory_bandwidth == 1.5e12
    assert device.memory_capacity == 48 * 2**30
    assert device.source_of("memory_capacity").document == "Product page"  # type: ignore[union-attr]
    assert device.source_of("vector").document == "My datasheet"  # type: ignore[union-attr]
    assert lookup(None, devices) is device  # a file with one device: that one


def test_a_json_hardware_file(tmp_path: Path) -> None:
    path = write(tmp_path, "hw.json", json.dumps({"tiny": {"matmul": {"fp16": 1e12}, "memory_bandwidth": 1e11}}))
    device = load_file(path)["tiny"]
    assert device.vector is None and device.name == "tiny"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.toml", "[x\nmatmul = 1", "bad.toml: not valid TOML"),
        ("bad.json", '{"x": ', "bad.json:1:7: not valid JSON"),
        ("list.json", "[1, 2]", "expected a table of devices"),
        ("empty.toml", "", "defines no device"),
        ("nomem.toml", "[x]\nmatmul = { bf16 = 1e12 }", "x: missing 'memory_bandwidth'"),
        ("nomatmul.toml", "[x]\nmemory_bandwidth = 1e12", "x: missing 'matmul'"),
        ("typo.toml", "[x]\nmatmul = { bf16 = 1e12 }\nmemory_bandwith = 1e12", "x.memory_bandwith: unknown key (did you mean 'memory_bandwidth'?)"),
        ("unit.toml", '[x]\nmatmul = { bf16 = 1e12 }\nmemory_bandwidth = "3 TFLOP/s"', "x.memory_bandwidth: expected a quantity in B/s"),
        ("word.toml", '[x]\nmatmul = { bf16 = "fast" }\nmemory_bandwidth = 1e12', "x.matmul.bf16: expected a quantity in FLOP/s"),
        ("negative.toml", "[x]\nmatmul = { bf16 = -1 }\nmemory_bandwidth = 1e12", "x.matmul.bf16: must be a positive finite number"),
        ("huge.json", '{"x": {"matmul": {"bf16": 1' + "0" * 400 + '}, "memory_bandwidth": 1e12}}', "x.matmul.bf16: must be a positive finite number"),
        ("huge.toml", '[x]\nmatmul = { bf16 = "1e400 TFLOP/s" }\nmemory_bandwidth = 1e12', "x.matmul.bf16: must be a positive finite number"),
        ("nopeaks.toml", "[x]\nmatmul = {}\nmemory_bandwidth = 1e12", "x.matmul: expected a table of precision → peak FLOP/s (for example bf16 = \"989.5 TFLOP/s\"), got an empty table"),
        ("bool.toml", "[x]\nmatmul = { bf16 = true }\nmemory_bandwidth = 1e12", "x.matmul.bf16: expected a number"),
        ("precision.toml", "[x]\nmatmul = { bf61 = 1e12 }\nmemory_bandwidth = 1e12", "x.matmul.bf61: unknown precision (did you mean 'bf16'?)"),
        ("id.toml", "[X-Y]\nmatmul = { bf16 = 1e12 }\nmemory_bandwidth = 1e12", "'X-Y': a device id is lower-case"),
        ("source.toml", '[x]\nmatmul = { bf16 = 1e12 }\nmemory_bandwidth = 1e12\nsource = "a book"', "x.source: expected {document"),
        ("figure.toml", '[x]\nmatmul = { bf16 = 1e12 }\nmemory_bandwidth = 1e12\nsources = { vector = { document = "d", url = "https://e" } }', "x.sources.vector: no such figure"),
    ],
)
def test_bad_hardware_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(HardwareError) as caught:
        load_file(path)
    assert str(caught.value).startswith(str(path)), caught.value
    assert message in str(caught.value)


def test_a_missing_hardware_file(tmp_path: Path) -> None:
    with pytest.raises(HardwareError, match="cannot read"):
        load_file(tmp_path / "nothing.toml")


def test_the_presets_file_is_valid_in_the_user_format(tmp_path: Path) -> None:
    from importlib import resources

    text = (resources.files("compiler.eval") / "presets.toml").read_text(encoding="utf-8")
    assert load_file(write(tmp_path, "copy.toml", text)).keys() == presets().keys()


@pytest.mark.parametrize(
    ("a_bytes", "w_bytes", "device", "expected"),
    [
        (2, 2, "h100-sxm", "bf16"),
        (2, 1, "h100-sxm", "bf16"),  # weight-only quantization: the matmul runs at the activations' width
        (1, 1, "h100-sxm", "fp8"),
        (1, 1, "a100-80gb", "int8"),  # no fp8 on the A100
        (4, 4, "h100-sxm", "fp32"),
        (2, 2, "t4", "fp16"),  # no bf16 on the T4
        (Fraction(1, 2), Fraction(1, 2), "t4", "int4"),
    ],
)
def test_precision_from_byte_widths(a_bytes: int, w_bytes: int, device: str, expected: str) -> None:
    assert choose_precision(presets()[device], a_bytes, w_bytes) == expected


def test_precision_errors() -> None:
    with pytest.raises(HardwareError, match="a100-80gb has no fp8 matmul peak; it has fp32, tf32, bf16, fp16, int8"):
        choose_precision(presets()["a100-80gb"], 2, 2, "fp8")
    with pytest.raises(HardwareError, match="no precision is 3 bytes wide"):
        choose_precision(presets()["h100-sxm"], 3, 2)
    with pytest.raises(HardwareError, match="tpu-v5e has no matmul peak for 4-byte operands"):
        choose_precision(presets()["tpu-v5e"], 4, 4)
    assert choose_precision(presets()["h100-sxm"], 4, 4, "tf32") == "tf32"


def test_every_precision_has_a_width() -> None:
    assert set(PRECISIONS) == {"fp32", "tf32", "bf16", "fp16", "fp8", "int8", "int4"}
