"""`kc verify`: kc's matmul FLOPs next to PyTorch's own count."""

from __future__ import annotations

import sys

from compiler.cli.app import EXIT_PROBLEMS, Argument, command, echo, lib_options, repeated
from compiler.errors import OptionError


@command(
    "verify",
    Argument("module", metavar="MODULE", help="A built-in model's class name."),
    Argument("--hf-config", dest="hf_config", required=True, metavar="FILE", help="A Hugging Face config.json (or its directory)."),
    repeated("--set", dest="settings", metavar="NAME=VALUE", help="A shape (batch_size, seq_len, cache_len) or model parameter (repeatable)."),
    *lib_options(),
)
def verify_command(module: str, hf_config: str, settings: tuple[str, ...], lib: tuple[str, ...]) -> None:
    """Compare kc's matmul FLOPs of MODULE with PyTorch's FlopCounterMode for a config.

    Builds the model from the config on the meta device (no weights, no
    network; needs the `torch` extra), runs one forward pass of batch_size x
    seq_len tokens after a KV cache of cache_len tokens (defaults 1, 128, 0),
    and prints both counts per module class. Exit status 1 on any difference.
    """
    from compiler.errors import VerifyError
    from compiler.hf.verify import parse_settings, verify
    from compiler.input.library import Library

    try:
        values = parse_settings(settings)
    except ValueError as error:
        raise OptionError("--set", str(error)) from None
    library = Library.from_path(lib)
    try:
        result = verify(module, hf_config, values, library)
    except ValueError as error:  # a config transformers or PyTorch refuse
        raise VerifyError(str(error)) from None
    echo(result.render(), nl=False)
    sys.exit(0 if result.ok else EXIT_PROBLEMS)


