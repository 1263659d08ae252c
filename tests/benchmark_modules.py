"""The benchmark scripts (benchmarks/NAME.py) as modules, for the tests that hold their figures."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def benchmark(name: str) -> ModuleType:
    """Import benchmarks/``name``.py. The scripts import each other by bare name (``from
    judge_accuracy import ...``), so their folder is on sys.path while one loads."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCHMARKS))
