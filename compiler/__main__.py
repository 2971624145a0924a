import sys

try:
    from compiler.cli.app import main
except KeyboardInterrupt:  # Ctrl-C while kc is still importing: no traceback, the status of an interrupted run
    print("kc: interrupted", file=sys.stderr)
    sys.exit(130)

main()
