try:  # from kc's first line: Ctrl-C while kc is still importing ends as an interrupted run, without a traceback
    from compiler.cli.app import run
except KeyboardInterrupt:
    import sys

    print("kc: interrupted", file=sys.stderr)
    raise SystemExit(130) from None

run()
