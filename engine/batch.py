"""Kept for the import path engine.regions still uses; the vectorised evaluator lives in
engine.jsonlogic.vectorised. Remove once that caller imports engine.jsonlogic.vectorised directly."""
from __future__ import annotations

from engine.jsonlogic.vectorised import Columns, MaskFn, compile_mask

__all__ = ["Columns", "MaskFn", "compile_mask"]
