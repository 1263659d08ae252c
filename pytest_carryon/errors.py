"""The exceptions pytest-carryon raises on purpose.

CarryonError                 anything the user can fix; its message is the whole explanation
 +-- ScenarioError           a scenario file breaks schema v1 (file, line, scenario, field, fix)
 +-- SettingsError           an option, ini key or environment variable has a bad value
 +-- ModelError              the model under test (or the judge / LLM user) could not answer
      +-- ReplayMiss         a replay file has no recorded reply for a request
"""

from __future__ import annotations

from pytest_carryon.summary import plural

__all__ = ["CarryonError", "ModelError", "ReplayMiss", "ScenarioError", "SettingsError"]


class CarryonError(Exception):
    """An expected failure whose message tells the user what to do; never shown with a traceback."""


class ScenarioError(CarryonError):
    """One or more problems in one scenario file; `problems` holds one line each."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: {plural(len(problems), 'problem')} in scenario file\n" + "\n".join(problems))


class SettingsError(CarryonError):
    pass


class ModelError(CarryonError):
    pass


class ReplayMiss(ModelError):
    pass
