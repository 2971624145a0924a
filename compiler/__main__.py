"""The `kc` command (`python -m compiler`): kc's command line, with Ctrl-C handled from its first line."""

import os
import sys

_interrupted = False
"""Whether a Ctrl-C landed where Python cannot raise it."""


def _unraisable(unraisable: "sys.UnraisableHookArgs") -> None:
    """A Ctrl-C that lands in a callback of the import system (while kc imports its modules) cannot be raised
    there: Python would print it as an ignored exception and go on. It is noted instead, and the run ends as
    an interrupted one. Every other such exception is Python's to report."""
    global _interrupted
    if issubclass(unraisable.exc_type, KeyboardInterrupt):
        _interrupted = True
    else:
        sys.__unraisablehook__(unraisable)


def _interrupted_run() -> None:
    print("kc: interrupted", file=sys.stderr, flush=True)


def kc() -> None:
    """Run the command line, then end the process at once.

    Python's own exit would free every value the command built, one at a
    time, after collecting them all once more (the collector runs at exit
    even where it was off): 100 of the 600 ms of compiling 1,000 Linear
    calls, measured with and without. kc itself registers no exit handler
    and leaves no file open; the exit handlers of the libraries `kc verify`
    loads (PyTorch's) are skipped with the rest."""
    sys.unraisablehook = _unraisable
    try:
        from compiler.cli.app import EXIT_INTERRUPTED, run
    except KeyboardInterrupt:  # Ctrl-C while kc is still importing: an interrupted run, without a traceback
        _interrupted_run()
        raise SystemExit(130) from None
    if _interrupted:
        _interrupted_run()
        raise SystemExit(EXIT_INTERRUPTED)
    status = run()
    if _interrupted:
        _interrupted_run()
        status = EXIT_INTERRUPTED
    os._exit(status)


if __name__ == "__main__":
    kc()
