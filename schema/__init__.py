"""The contract: JSON Schemas and the shared vocabulary, shipped as package data.

Nothing here is code: this module only tells the engine where the files are,
so an installed wheel and a source checkout find the same contract.
"""

from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent
