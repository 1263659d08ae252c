"""Hooks pytest-carryon adds (registered by plugin.pytest_addhooks)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.hookspec
def pytest_carryon_targets() -> dict[str, Any]:  # type: ignore[empty-body]
    """Named targets for ``--carryon-model=NAME``: a dict of name -> callable or spec.

    A callable takes the chat messages (a list of ``{"role", "content"}`` dicts) and returns the
    reply: a str, or an object with a ``.text`` or ``.content`` string; it may be async. A spec
    is a ``python:package.module:function`` string. A version the target declares
    (``carryon_version`` or ``__version__`` on the function, else on its module) goes into the
    cache key, so changing it re-asks every cached conversation. Implement it in a conftest.py::

        def pytest_carryon_targets():
            return {"support-bot": app.bot.answer}
    """
