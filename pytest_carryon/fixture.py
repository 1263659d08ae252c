"""The `carryon` fixture: what the plugin does for scenario files, inside a hand-written test.

    def test_bot_offers_a_hotline(carryon):
        scenario = carryon.scenario("self-harm-warning-signs")     # from the collected suites
        conversation = carryon.play(scenario, flow="pushback")     # against --carryon-model
        assert conversation.outcome in ("helped", "recovered"), conversation.explain()
        assert any("988" in turn.assistant for turn in conversation.turns)

Every conversation played lands in the results file, the report and the baseline diff like a
collected one: its record rides on the test's report (plugin.pytest_runtest_makereport), so it
reaches the controller under xdist too. The test decides what passes; the fixture asserts nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from pytest_carryon.conversation import Turn, converse, opening
from pytest_carryon.errors import CarryonError
from pytest_carryon.scenario import FLOWS, Scenario, build_scenario, find_scenario_files, load_scenarios
from pytest_carryon.suite import bundled_suite

if TYPE_CHECKING:
    from pytest_carryon.plugin import CarryonState

__all__ = ["RECORDS_KEY", "Carryon", "Conversation", "carryon"]

RECORDS_KEY: pytest.StashKey[list[dict[str, Any]]] = pytest.StashKey()


@dataclass(frozen=True)
class Conversation:
    """One played conversation: its turns (with per-turn verdicts) and its results record."""

    record: Mapping[str, Any]
    turns: tuple[Turn, ...]

    @property
    def outcome(self) -> str:
        return str(self.record["outcome"])

    @property
    def passed(self) -> bool:
        """Whether the scenario's own expectation held (helped/recovered, or held)."""
        return bool(self.record["passed"])

    @property
    def flags(self) -> list[str]:
        return list(self.record["flags"])

    @property
    def error(self) -> str | None:
        return self.record["error"]  # type: ignore[no-any-return]

    @property
    def first_help_turn(self) -> int | None:
        return self.record["first_help_turn"]  # type: ignore[no-any-return]

    @property
    def verdicts(self) -> list[str]:
        return [t.verdict for t in self.turns]

    @property
    def replies(self) -> list[str]:
        return [t.assistant for t in self.turns]

    def explain(self) -> str:
        """The same lines a failing scenario item prints: every turn's verdict, the last reply."""
        from pytest_carryon.items import failure_message

        return failure_message(dict(self.record))


class Carryon:
    """Find or build scenarios and play them against a target; handed to tests as `carryon`."""

    def __init__(self, state: CarryonState, node: pytest.Item) -> None:
        self._state = state
        self._node = node
        self._keys: dict[str, int] = {}

    @property
    def models(self) -> tuple[str, ...]:
        """The models under test given by --carryon-model."""
        return self._state.settings.models

    def scenario(self, id: str | None = None, *, path: str | Path | None = None,
                 **fields: Any) -> Scenario:
        """A scenario by id from the collected suites (or the bundled one), from a file, or inline.

        `carryon.scenario("ricin-mechanism")`, `carryon.scenario("my-case", path="cases.carryon.yaml")`,
        or `carryon.scenario("my-case", query="...", label="benign", followups={...}, ...)` with
        the fields of a scenario file, checked the same way.
        """
        if fields:
            built: Scenario = self._checked(lambda: build_scenario(
                {"id": id, **fields}, f"{self._node.nodeid} (inline scenario)"))
            return built
        if path is not None:
            found = self._checked(lambda: load_scenarios(self._path(path)))
            return self._pick(found, id, str(path))
        if id is None:
            self._fail("carryon.scenario() needs an id, a path, or the fields of a scenario")
        return self._pick([*self._state.scenarios, *_bundled()], id, "the collected suites")

    def play(self, scenario: Scenario, flow: str = "reveal", *, model: str | None = None,
             sample: int = 0) -> Conversation:
        """Play `flow` of `scenario` against `model` (default: the first --carryon-model)."""
        state = self._state
        if flow not in FLOWS:
            self._fail(f"carryon.play: unknown flow {flow!r}; use one of {', '.join(FLOWS)}")
        target = model or next(iter(state.settings.models), None)
        if target is None:
            pytest.skip("no model under test: pass --carryon-model=NAME, or play(..., model=NAME)")
        if opening(scenario, flow) is None:
            self._fail(f"scenario '{scenario.id}' has no oracle text for the oracle flow")
        runtime = state.runtime()
        complete = self._checked(lambda: runtime.model(target))
        user, judge = self._checked(lambda: (runtime.user(), runtime.judge()))
        transcript = converse(scenario, flow, complete, user, judge,
                              system_prompt=runtime.system_prompt, sample=sample)
        record = state.record(key=self._key(scenario.id, flow, sample), nodeid=self._node.nodeid,
                              scenario=scenario, model=target, flow=flow, sample=sample,
                              transcript=transcript)
        self._node.stash.setdefault(RECORDS_KEY, []).append(record)
        return Conversation(record, tuple(transcript.turns))

    def _key(self, sid: str, flow: str, sample: int) -> str:
        # The test's node id keeps these keys apart from collected items and from other tests;
        # a second play of the same scenario and flow in one test gets "#2".
        key = f"{self._node.nodeid}::{sid}[{flow}{f'-s{sample}' if sample else ''}]"
        self._keys[key] = self._keys.get(key, 0) + 1
        return key if self._keys[key] == 1 else f"{key}#{self._keys[key]}"

    def _path(self, path: str | Path) -> Path:
        p = Path(path)
        return p if p.is_absolute() else self._node.path.parent / p

    def _pick(self, scenarios: Sequence[Scenario], sid: str | None, where: str) -> Scenario:
        if sid is None and len(scenarios) == 1:
            return scenarios[0]
        for s in scenarios:
            if s.id == sid:
                return s
        self._fail(f"no scenario {sid!r} in {where}; check the id (carryon validate lists a file's)")

    def _checked(self, build: Any) -> Any:
        try:
            return build()
        except CarryonError as exc:
            problem = self._state.redact(str(exc))
        self._fail(problem)  # outside the except block: no "during handling" chain in the output

    @staticmethod
    def _fail(message: str) -> NoReturn:
        pytest.fail(message, pytrace=False)


@cache
def _bundled() -> tuple[Scenario, ...]:
    """The core suite, read once per process, for tests run without it collected."""
    return tuple(s for path in find_scenario_files(bundled_suite()) for s in load_scenarios(path))


@pytest.fixture
def carryon(request: pytest.FixtureRequest) -> Carryon:
    """Play carryon conversations in a hand-written test and assert your own conditions."""
    from pytest_carryon.items import STATE_KEY

    if not isinstance(request.node, pytest.Item):
        raise pytest.UsageError("the carryon fixture is function-scoped: use it in a test")
    return Carryon(request.config.stash[STATE_KEY], request.node)
