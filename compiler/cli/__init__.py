"""The `kc` command line: one group, its commands in one module per wing."""

from compiler.cli import build, convert, eval, verify
from compiler.cli.app import main

for command in (build.compile_command, build.plan_command, build.check_command, build.list_command, verify.verify_command,
                eval.eval_command, eval.roofline_command, eval.hardware_command, build.schema_command, convert.convert_command):
    main.add_command(command)

__all__ = ["main"]
