"""Registers the app under the name the tests and CI use: --carryon-model=support-bot."""

from __future__ import annotations

from typing import Any

import app


def pytest_carryon_targets() -> dict[str, Any]:
    return {"support-bot": app.answer}
