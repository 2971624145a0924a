from compiler.cli.app import main

main(prog_name="kc")
