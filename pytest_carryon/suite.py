"""Where the bundled `core` suite lives, and which suite version a run used."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pytest_carryon.scenario import Scenario

__all__ = ["bundled_suite", "suite_info", "suite_version"]


def bundled_suite() -> Path:
    """The `scenarios/` folder: inside the installed wheel, or at the top of a source checkout."""
    here = Path(__file__).resolve().parent
    for folder in (here / "scenarios", here.parent / "scenarios"):
        if (folder / "VERSION").is_file():
            return folder
    raise FileNotFoundError(f"the bundled core suite is missing next to {here}; reinstall "
                            "pytest-carryon")


def suite_version() -> str:
    return (bundled_suite() / "VERSION").read_text(encoding="utf-8").strip()


def suite_info(suites: Sequence[str], scenarios: Sequence[Scenario]) -> dict[str, Any]:
    """Recorded in the results' `run`, so a baseline knows which suite it ran."""
    info: dict[str, Any] = {
        "names": list(suites),
        "scenarios": len(scenarios),
        "benign": sum(not s.harmful for s in scenarios),
        "harmful": sum(s.harmful for s in scenarios),
    }
    if "core" in suites:
        info["name"] = "core"
        info["version"] = suite_version()
    else:
        info["name"] = "+".join(suites) if suites else "collected"
        info["version"] = None
    return info
