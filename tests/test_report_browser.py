"""The report in a real headless Chromium, opened from file:// as a reader would open it.

Needs Debian's chromium (/usr/bin/chromium) and the `playwright` package; never the browsers
that `playwright install` downloads.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_carryon.baseline import diff_results
from pytest_carryon.report import write_html
from tests.report_fixtures import conversation, results, small_run

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# CI sets CARRYON_REQUIRE_BROWSER=1: there a missing browser is a failure, never a skip.
if os.environ.get("CARRYON_REQUIRE_BROWSER") == "1":
    import playwright.sync_api as sync_api

    assert Path(CHROMIUM).exists(), f"CARRYON_REQUIRE_BROWSER=1 but there is no {CHROMIUM}"
else:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        pytest.skip("no chromium binary (apt-get install -y chromium)", allow_module_level=True)

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'


def _report(tmp: Path) -> Path:
    base = results(small_run())
    convs = small_run()
    convs[0] = conversation("ricin-mechanism", ["refusal"] * 4, assistant=[SCRIPT, IMG, "no", "still no"])
    convs.append(conversation("second-model", ["refusal", "compliance"], model="m2"))
    cur = results(convs, partial=True, suite={"name": "core", "version": "2026.11"})
    path = tmp / "report.html"
    write_html(cur, path, diff_results(cur, base), base)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path = _report(tmp_path_factory.mktemp("report"))
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    page.problems = problems  # type: ignore[attr-defined]
    page.requests = requests  # type: ignore[attr-defined]
    yield page
    context.close()


def _visible_keys(page: Any) -> list[str]:
    return page.eval_on_selector_all("details.conv:not([hidden]) .key", "els => els.map(e => e.textContent)")


def test_no_console_or_page_errors_and_no_requests(page: Any) -> None:
    assert page.problems == []
    assert [u for u in page.requests if not u.startswith("file://")] == []


def test_script_in_model_output_did_not_run(page: Any) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined"
    page.click("#c0 > summary")
    text = page.inner_text("#c0")
    assert SCRIPT in text
    assert IMG in text
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#c0 img").count() == 0
    assert page.locator("body script").count() == 1


def test_chart_is_drawn(page: Any) -> None:
    lines = page.locator("#recovery-chart polyline")
    assert lines.count() == 3  # m, m (baseline), m2
    for i in range(lines.count()):
        points = lines.nth(i).get_attribute("points").split()
        assert len(points) >= 1
        box = lines.nth(i).bounding_box()
        assert box is not None
    current_m = page.locator('#recovery-chart polyline.series:not(.baseline)[data-model="m"]')
    assert len(current_m.get_attribute("points").split()) == 4
    assert current_m.bounding_box()["width"] > 100
    assert page.locator("#recovery-chart circle").count() >= 8


def test_erosion_curve_is_drawn_beside_the_recovery_curve(page: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    recovery, erosion = page.locator("#recovery-chart"), page.locator("#erosion-chart")
    rbox, ebox = recovery.bounding_box(), erosion.bounding_box()
    assert rbox is not None and ebox is not None
    # Side by side on a wide screen: same row, erosion to the right, neither squashed.
    assert abs(rbox["y"] - ebox["y"]) < 40 and ebox["x"] >= rbox["x"] + rbox["width"]
    assert ebox["width"] > 300 and ebox["height"] > 100
    # small_run's model m: meth-synthesis held, nerve-agent leaks at turn 2; m2 has no harmful line.
    current = page.locator('#erosion-chart polyline.series:not(.baseline)[data-model="m"]')
    assert len(current.get_attribute("points").split()) == 4
    assert current.bounding_box()["width"] > 100
    assert page.locator('#erosion-chart polyline.baseline[data-model="m"]').count() == 1
    assert page.locator('#erosion-chart polyline[data-model="m2"]').count() == 0
    assert page.locator("#erosion-chart polygon.band").count() == 1
    assert page.locator('#erosion-flow-chart polyline.series[data-flow="reveal"]').count() == 2
    dots = page.eval_on_selector_all('#erosion-chart circle title', "els => els.map(e => e.textContent)")
    assert "m: turn 1, 100.0%" in dots and "m: turn 2, 50.0%" in dots
    # On a phone the charts stack instead.
    page.set_viewport_size({"width": 420, "height": 900})
    rbox, ebox = recovery.bounding_box(), erosion.bounding_box()
    assert ebox["y"] > rbox["y"] + rbox["height"] - 1 and ebox["width"] <= 420
    page.set_viewport_size({"width": 1280, "height": 720})


def test_filter_by_outcome(page: Any) -> None:
    everything = _visible_keys(page)
    assert len(everything) == 7
    assert page.is_visible("#filters")
    page.select_option("#filters select[name=outcome]", "locked_in")
    assert sorted(_visible_keys(page)) == ["overdose-dose[reveal]", "ricin-mechanism[reveal]"]
    assert page.inner_text("#shown") == "2 of 7 shown"
    page.select_option("#filters select[name=model]", "m2")
    assert _visible_keys(page) == []
    assert page.is_visible("#no-match")
    page.click("#reset")
    assert sorted(_visible_keys(page)) == sorted(everything)
    page.select_option("#filters select[name=status]", "regressed")
    assert _visible_keys(page) == ["ricin-mechanism[reveal]"]
    page.click("#reset")


def test_expand_all_and_print_open_transcripts(page: Any) -> None:
    page.click("#expand-all")
    assert page.eval_on_selector_all("details.conv", "els => els.every(e => e.open)")
    page.click("#collapse-all")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.eval_on_selector_all("details.conv", "els => els.every(e => e.open)")


def test_readable_without_javascript(browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(_report(tmp_path).as_uri())
    # controls that need JS stay hidden; every transcript is listed and can be opened
    assert not page.is_visible("#filters")
    assert len(_visible_keys(page)) == 7
    page.click("#c0 > summary")
    assert SCRIPT in page.inner_text("#c0")
    context.close()


def test_print_media_shows_closed_transcripts(browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(_report(tmp_path).as_uri())
    reply = page.locator("#c0 .msg.assistant .text").first
    assert not reply.is_visible()  # closed on screen
    page.emulate_media(media="print")
    assert reply.is_visible()  # expanded in print, even with no script to open it
    context.close()
