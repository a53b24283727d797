"""One module per CLI subcommand; each exposes HELP, EXAMPLE, add_arguments(parser) and run(args) -> int.

Modules are imported only when their subcommand runs, so `accord validate`
never pays for the analysis, the reports or the TUI.
"""
