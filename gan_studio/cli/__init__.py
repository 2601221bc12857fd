"""`gan-studio`: the GUI when run bare, and every panel's action as a scriptable subcommand.

The commands call the same core sessions the window uses. Exit code 0 only on success; errors print
one clear line to stderr (the traceback goes to the log with ``--verbose``). One module per command
group, each with its parser beside its handler; main.py assembles them.
"""

from .common import CliError, parse_seeds
from .main import build_parser, main

__all__ = ["CliError", "build_parser", "main", "parse_seeds"]
