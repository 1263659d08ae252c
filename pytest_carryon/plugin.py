"""The pytest shell: options, collection, per-item records, results, gates and the summary.

Hooks stay short and hand plain values to the pure modules. Per-item records ride on the test
report (`report.carryon`), so under xdist they reach the controller, which alone writes outputs.
"""

from __future__ import annotations

import os
import shlex
import time
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pytest_carryon import __version__
from pytest_carryon.baseline import (
    BaselineDiff,
    diff_lines,
    diff_results,
    failed_keys,
    load_baseline,
    save_baseline,
)
from pytest_carryon.conversation import Transcript
from pytest_carryon.errors import CarryonError
from pytest_carryon.fixture import RECORDS_KEY, carryon
from pytest_carryon.items import AHEAD_KEY, STATE_KEY, ScenarioFile, ScenarioItem
from pytest_carryon.metrics import check_gates
from pytest_carryon.models import endpoint_host, redact
from pytest_carryon.prefetch import UNREPORTED, Ahead, interrupt_on_sigterm
from pytest_carryon.report import write_html
from pytest_carryon.results import build_results, conversation_record, write_json
from pytest_carryon.runtime import Runtime, check_credentials, endpoint_of, prompt_versions, system_prompt_of
from pytest_carryon.safety import RULE_VERSION
from pytest_carryon.scenario import Scenario, check_unique, find_scenario_files, is_scenario_file
from pytest_carryon.scheduler import concurrency_of
from pytest_carryon.settings import OPTIONS, Settings, resolve
from pytest_carryon.suite import bundled_suite, suite_info
from pytest_carryon.summary import shown, summary_lines
from pytest_carryon.targets import target_of
from pytest_carryon.usage import run_usage

__all__ = ["carryon"]  # the fixture for hand-written tests (fixture.py), found here by pytest


class CarryonState:
    """Everything the plugin keeps for one session in one process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.env = dict(os.environ)
        self.started = time.time()
        self.started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.collected: set[Path] = set()
        self.scenarios: list[Scenario] = []
        self.records: list[dict[str, Any]] = []
        self.local: dict[str, tuple[str, str]] = {}
        self.lines: list[str] = []
        self.gate_failures: list[str] = []
        self.baseline: dict[str, Any] | None = None
        self.baseline_failed: frozenset[tuple[str, str]] = frozenset()
        self.workers = 1  # xdist workers sharing the run (--carryon-rpm is split among them)
        self.unreported: list[dict[str, Any]] = []  # played ahead, never reported: run stopped
        self.crashed = 0  # items whose worker died mid-conversation
        self.rootdir = Path.cwd()
        # Asked when the Runtime is first built, once every conftest has registered its targets.
        self.targets: Callable[[], dict[str, Any]] = dict
        self._runtime: Runtime | None = None

    def register(self, scenarios: list[Scenario]) -> list[str]:
        problems = check_unique([*self.scenarios, *scenarios])
        if not problems:
            self.scenarios.extend(scenarios)
        return problems

    def runtime(self) -> Runtime:
        if self._runtime is None:
            self._runtime = Runtime(self.settings, self.env, self.local, targets=self.targets(),
                                    rootdir=self.rootdir, workers=self.workers)
        return self._runtime

    def redact(self, text: str) -> str:
        return redact(text, self.runtime().secrets())

    def record(self, *, key: str, nodeid: str, scenario: Scenario, model: str, flow: str,
               sample: int, transcript: Transcript) -> dict[str, Any]:
        """A played conversation's results record, for a collected item or the fixture alike:
        the scenario's helps_by or the setting, and no key in its error."""
        record = conversation_record(
            key=key, nodeid=nodeid, scenario=scenario, model=model, flow=flow, sample=sample,
            helps_by=scenario.helps_by or self.settings.helps_by, transcript=transcript)
        if record["error"]:
            record["error"] = self.redact(record["error"])
        return record


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from pytest_carryon import hooks

    pluginmanager.add_hookspecs(hooks)


def _registered_targets(config: pytest.Config) -> dict[str, Any]:
    """What every pytest_carryon_targets implementation returned, merged (later ones win)."""
    merged: dict[str, Any] = {}
    for found in reversed(config.hook.pytest_carryon_targets()):
        if not isinstance(found, dict) or not all(isinstance(k, str) for k in found):
            raise pytest.UsageError("pytest_carryon_targets must return a dict of name -> callable "
                                    f"or python:module:function spec, got {type(found).__name__}")
        merged.update(found)
    return merged


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("carryon", "carryon: multi-turn over-refusal and safety tests")
    for opt in OPTIONS:
        if opt.flag:
            group.addoption(opt.cli, dest=opt.dest, action="store_true", default=None,
                            help=opt.help)
            parser.addini(opt.dest, opt.help, type="bool", default=False)
        else:
            group.addoption(opt.cli, dest=opt.dest, metavar=opt.metavar, help=opt.help,
                            action="append" if opt.repeat else "store", default=None)
            if opt.repeat:
                parser.addini(opt.dest, opt.help, type="args", default=[])
            else:
                parser.addini(opt.dest, opt.help, type="string", default="")


def _ini(config: pytest.Config) -> dict[str, Any]:
    return {opt.dest: config.getini(opt.dest) for opt in OPTIONS}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "carryon: a pytest-carryon scenario conversation")
    cli = {opt.dest: config.getoption(opt.dest) for opt in OPTIONS}
    try:
        settings = resolve(cli, _ini(config), os.environ, config.invocation_params.dir)
        targets = _registered_targets(config)
        check_credentials(settings, os.environ, targets)
        system_prompt_of(settings)
        for model in settings.models:  # an app that cannot be imported fails here, once
            target_of(model, targets, config.rootpath)
    except CarryonError as exc:
        raise pytest.UsageError(str(exc)) from None
    except OSError as exc:
        raise pytest.UsageError(f"--carryon-system-prompt: cannot read it ({exc})") from None
    state = CarryonState(settings)
    state.rootdir = config.rootpath
    state.targets = lambda: _registered_targets(config)
    config.stash[STATE_KEY] = state
    if settings.active:
        try:
            state.baseline = load_baseline(settings.baseline)
        except ValueError as exc:
            raise pytest.UsageError(f"--carryon-baseline: {exc}") from None
        if state.baseline is not None:
            state.baseline_failed = failed_keys(state.baseline)
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(state), "carryon-xdist")
    config.pluginmanager.register(_Sharder(settings), "carryon-shard")
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        state.local = {k: (v[0], v[1]) for k, v in workerinput.get("carryon_local", {}).items()}
        state.workers = int(workerinput.get("workercount", 1))
    else:
        config.pluginmanager.register(_Recorder(state), "carryon-recorder")
        if not config.option.collectonly:
            _start_local_servers(config, state)
        if settings.active:
            interrupt_on_sigterm(config)
    _play_ahead(config, state)


def _play_ahead(config: pytest.Config, state: CarryonState) -> None:
    """Several conversations in flight in this process, when asked for (scheduler.py)."""
    size = concurrency_of(state.settings, state.targets())
    controller = not hasattr(config, "workerinput") and getattr(config.option, "dist", "no") != "no"
    if size > 1 and state.settings.active and not config.option.collectonly and not controller:
        ahead = Ahead(config, size, lambda: state.runtime().limiter)
        config.stash[AHEAD_KEY] = ahead
        config.pluginmanager.register(ahead, "carryon-ahead")


def _start_local_servers(config: pytest.Config, state: CarryonState) -> None:
    specs = [m for m in state.settings.models if m.startswith("local:")]
    if not specs:
        return
    from pytest_carryon import local  # only a local run pays for this import

    # A llama.cpp slot per conversation in flight (per xdist worker x concurrency), so they
    # do not queue behind each other, within what the cores can serve.
    workers = getattr(config.option, "numprocesses", None)
    in_flight = (int(workers) if isinstance(workers, int) else 1) * concurrency_of(state.settings, state.targets())
    parallel = local.slots_for(in_flight)
    for spec in specs:
        try:
            server = local.start_server(spec[len("local:"):], parallel=parallel)
        except CarryonError as exc:
            raise pytest.UsageError(f"--carryon-model={spec}: {exc}") from None
        config.add_cleanup(server.stop)
        state.local[spec] = (server.base_url, server.model)


class _XdistHooks:
    """Registered only when xdist is present, so a run without it never sees unknown hooks."""

    def __init__(self, state: CarryonState) -> None:
        self.state = state

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["carryon_local"] = {k: list(v) for k, v in self.state.local.items()}
        # A worker's own config says dist "no"; prefetch.py needs to know about stealing.
        node.workerinput["carryon_dist"] = getattr(node.config.option, "dist", "no")

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", None) or {}
        self.state.unreported.extend(output.get(UNREPORTED, ()))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    if not is_scenario_file(file_path):
        return None
    state: CarryonState = parent.config.stash[STATE_KEY]
    resolved = file_path.resolve()
    if resolved in state.collected:
        return None
    state.collected.add(resolved)
    return ScenarioFile.from_parent(parent, path=file_path)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """Add the suites named by --carryon-suite, after the paths pytest collected itself."""
    state: CarryonState = config.stash[STATE_KEY]
    for name in state.settings.suites:
        folder = _suite_folder(name, config)
        for path in find_scenario_files(folder):
            if path.resolve() in state.collected:
                continue
            state.collected.add(path.resolve())
            node = ScenarioFile.from_parent(session, path=path,
                                            nodeid=_suite_nodeid(name, folder, path, config))
            report = _collect(node)
            session.ihook.pytest_collectreport(report=report)
            if report.passed:
                items.extend(x for x in report.result if isinstance(x, pytest.Item))
    _mark_baseline_failures(state, items)


def _mark_baseline_failures(state: CarryonState, items: list[pytest.Item]) -> None:
    """Scenarios that already failed in the baseline run as xfail, so CI fails on new failures only."""
    if not state.baseline_failed:
        return
    for item in items:
        if isinstance(item, ScenarioItem) and (item.key, item.model) in state.baseline_failed:
            item.add_marker(pytest.mark.xfail(
                strict=False, reason=f"failed in the baseline {state.settings.baseline.name}"))


def _collect(node: pytest.Collector) -> pytest.CollectReport:
    from _pytest.runner import collect_one_node  # the public path pytest itself takes

    return collect_one_node(node)


def _suite_folder(name: str, config: pytest.Config) -> Path:
    if name == "core":
        return bundled_suite()
    folder = Path(name).expanduser()
    if not folder.is_absolute():
        folder = config.invocation_params.dir / folder
    if not folder.is_dir():
        raise pytest.UsageError(f"--carryon-suite: {name!r} is neither 'core', 'none' nor a "
                                "folder of *.carryon.yaml files")
    return folder


def _suite_nodeid(name: str, folder: Path, path: Path, config: pytest.Config) -> str:
    try:
        return path.relative_to(config.rootpath).as_posix()
    except ValueError:
        label = "core" if name == "core" else folder.name
        return f"{label}/{path.relative_to(folder).as_posix()}"


class _Sharder:
    """Runs last, after -k and -m: each shard keeps every N-th scenario item."""

    def __init__(self, settings: Settings) -> None:
        self.shard = settings.shard

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        if self.shard is None:
            return
        index, total = self.shard
        keep: list[pytest.Item] = []
        drop: list[pytest.Item] = []
        position = 0
        for item in items:
            if isinstance(item, ScenarioItem):
                (keep if position % total == index - 1 else drop).append(item)
                position += 1
            else:
                keep.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    if isinstance(item, ScenarioItem) and call.when == "call" and item.record is not None:
        report.carryon = item.record
    # Conversations a hand-written test played with the `carryon` fixture, in whichever phase.
    played = item.stash.get(RECORDS_KEY, None)
    if played:
        report.carryon_records = list(played)
        played.clear()
    return report


class _Recorder:
    """Registered on the controller only: gathers the records that ride on call reports."""

    def __init__(self, state: CarryonState) -> None:
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = getattr(report, "carryon", None)
        if record is not None and report.when == "call":
            self.state.records.append(record)
        elif str(report.when) == "???" and is_scenario_file(Path(report.nodeid.split("::")[0])):
            # xdist: the worker died mid-conversation
            self.state.crashed += 1
        self.state.records.extend(getattr(report, "carryon_records", None) or ())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if hasattr(config, "workerinput") or STATE_KEY not in config.stash:
        return
    state: CarryonState = config.stash[STATE_KEY]
    if (not state.settings.active and not state.records) or config.option.collectonly:
        return
    ahead = config.stash.get(AHEAD_KEY, None)
    unreported = [*state.unreported, *(ahead.unreported if ahead is not None else ())]
    partial = exitstatus == pytest.ExitCode.INTERRUPTED or bool(
        session.shouldstop or session.shouldfail or state.crashed or unreported)
    results = build_results(_with_unreported(state.records, unreported), _run_info(state, partial))
    write_json(results, state.settings.json_path)
    here = config.invocation_params.dir
    diff = diff_results(results, state.baseline) if state.baseline is not None else None
    write_html(results, state.settings.html_path, diff=diff, baseline=state.baseline)
    state.gate_failures, notices = check_gates(results["summary"], state.settings)
    lines = summary_lines(results, state.settings, here, {"report": state.settings.html_path})
    lines += _baseline_lines(state, results, diff, partial, config)
    state.lines = lines + notices
    if state.gate_failures and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _with_unreported(records: list[dict[str, Any]],
                     unreported: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Conversations finished ahead of items that never reported, once each (an item an xdist
    worker played ahead may have been stolen and reported by another)."""
    seen = {(r["key"], r["model"]) for r in records}
    extra = {(r["key"], r["model"]): r for r in unreported if (r["key"], r["model"]) not in seen}
    return [*records, *extra.values()]


def _baseline_lines(state: CarryonState, results: dict[str, Any], diff: BaselineDiff | None,
                    partial: bool, config: pytest.Config) -> list[str]:
    """The diff against the baseline, the regression gate, and writing a new baseline."""
    s = state.settings
    here = config.invocation_params.dir
    lines: list[str] = []
    if diff is not None:
        lines += diff_lines(diff, update_command=_update_command(config))
        if s.max_regressions is not None and len(diff.regressed) > s.max_regressions:
            state.gate_failures.append(
                f"carryon gate failed: regressions {len(diff.regressed)} > {s.max_regressions}")
    elif s.baseline_explicit or s.max_regressions is not None:
        lines.append(f"no baseline at {shown(s.baseline, here)}: nothing to compare against "
                     "(write one with --carryon-update-baseline)")
        if s.max_regressions is not None:
            lines.append("carryon gate not applied: --carryon-max-regressions needs a baseline")
    if s.update_baseline:
        if partial:
            lines.append("baseline NOT written: this run was partial (interrupted or stopped early)")
        else:
            save_baseline(results, s.baseline)
            lines.append(f"baseline written: {shown(s.baseline, here)}")
    return lines


def _update_command(config: pytest.Config) -> str:
    args = [a for a in config.invocation_params.args if a != "--carryon-update-baseline"]
    return shlex.join(["pytest", *args, "--carryon-update-baseline"])


def _run_info(state: CarryonState, partial: bool) -> dict[str, Any]:
    s = state.settings
    runtime = state.runtime()
    judge_url, user_url = endpoint_of(s, "judge")[0], endpoint_of(s, "user")[0]
    return {
        "models": list(dict.fromkeys([*s.models, *(r["model"] for r in state.records)])),
        "base_url": endpoint_host(s.base_url) if s.base_url else None,
        "judge": s.judge,
        "judge_escalate": s.judge_escalate,
        "user": s.user,
        "judge_base_url": endpoint_host(judge_url) if judge_url and s.judge != "heuristic" else None,
        "user_base_url": endpoint_host(user_url) if user_url and s.user != "scripted" else None,
        "prompts": prompt_versions(s),
        "usage": run_usage(state.records),
        "flows": list(s.flows),
        "samples": s.samples,
        "helps_by": s.helps_by,
        "temperature": s.temperature,
        "max_tokens": s.max_tokens,
        "seed": s.seed,
        "system_prompt_sha256": runtime.system_prompt_sha256,
        "suite": suite_info(s.suites, state.scenarios),
        "started_at": state.started_at,
        "duration_s": round(time.time() - state.started, 3),
        "carryon_version": __version__,
        "outcome_rule": RULE_VERSION,
        "partial": partial,
    }


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state: CarryonState | None = config.stash.get(STATE_KEY, None)
    if state is None or not state.lines:
        return
    terminalreporter.section("carryon")
    for line in state.lines:
        terminalreporter.write_line(line)
    for line in state.gate_failures:
        terminalreporter.write_line(line, red=True, bold=True)
