"""Pure modules never import pytest, and every `__all__` names only what exists."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PURE = ("errors", "scenario", "settings", "models", "cache", "judge", "judge.grammar", "judge.features", "judge.score",
        "judge.confidence", "judge.llm", "user",
        "judge.escalate", "judge.leak", "targets", "usage", "conversation", "metrics", "safety", "results",
        "runtime", "suite", "summary", "baseline", "report",
        "importer", "cli", "limiter", "retry", "scheduler")
ROOT = Path(__file__).resolve().parent.parent


def test_pure_modules_import_with_pytest_blocked() -> None:
    # A None entry in sys.modules makes any `import pytest` raise ImportError.
    script = textwrap.dedent(f"""
        import sys
        sys.modules["pytest"] = None
        sys.modules["_pytest"] = None
        import importlib
        for name in {PURE!r}:
            importlib.import_module("pytest_carryon." + name)
        leaked = sorted(m for m in sys.modules if m.startswith(("pytest.", "_pytest.")))
        assert not leaked, leaked
        print("imported", len({PURE!r}))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"imported {len(PURE)}"


def test_blocking_really_blocks() -> None:
    """The check above would be worthless if a blocked pytest could still be imported."""
    script = 'import sys; sys.modules["pytest"] = None; import pytest'
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert done.returncode != 0 and "ModuleNotFoundError" in done.stderr


@pytest.mark.parametrize("name", PURE)
def test_all_names_exist(name: str) -> None:
    module = importlib.import_module(f"pytest_carryon.{name}")
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"pytest_carryon.{name} has no __all__"
    assert len(set(exported)) == len(exported), "duplicate names in __all__"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"pytest_carryon.{name}.__all__ names missing attributes: {missing}"
