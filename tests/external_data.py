"""Where the human-labelled public data sets are: ../shared/external beside the repository, or
CARRYON_EXTERNAL_DATA. Tests that need them skip with the reason when they are absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXTERNAL = Path(os.environ.get("CARRYON_EXTERNAL_DATA") or REPO.parent / "shared" / "external")


def external(name: str) -> Path:
    path = EXTERNAL / name
    if not path.is_dir():
        pytest.skip(f"{name} data not found at {path}; set CARRYON_EXTERNAL_DATA to its parent")
    return path
