"""Accord's engine: load, validate, evaluate, analyse and report on rulesets.

Pure Python with no Textual import (a test enforces it), so the CLI starts
fast and the TUI is only a shell over these functions.
"""

__version__ = "0.1.0"
