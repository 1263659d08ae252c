from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest

from pytest_carryon import report
from pytest_carryon.baseline import diff_results
from pytest_carryon.report import endpoint_host, render_html, write_html
from tests.report_fixtures import conversation, results, small_run

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'


def _hostile() -> dict[str, object]:
    convs = small_run()
    convs[0] = conversation("ricin-mechanism", ["refusal", "compliance"], assistant=[SCRIPT, IMG])
    return results(convs)


def test_model_output_is_escaped() -> None:
    html = render_html(_hostile())
    assert SCRIPT not in html
    assert IMG not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in html
    # the page's own script is the only one
    assert html.count("<script") == 1


def test_every_results_field_is_escaped_not_just_replies() -> None:
    convs = [conversation("a", ["compliance"], model='"><b>m</b>', category="<i>cat</i>")]
    convs[0]["turns"][0]["user"] = "<u>user</u>"
    convs[0]["tags"] = ["<em>tag</em>"]
    html = render_html(results(convs))
    for raw in ("<b>m</b>", "<i>cat</i>", "<u>user</u>", "<em>tag</em>"):
        assert raw not in html


def test_template_has_no_safe_filter() -> None:
    for path in report.TEMPLATES.iterdir():
        text = path.read_text()
        assert "|safe" not in text.replace(" ", "") and "Markup" not in text, path.name


def test_strict_undefined_catches_template_bugs(tmp_path: Path) -> None:
    env = report._env()
    assert env.undefined is jinja2.StrictUndefined
    assert env.autoescape is True
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ run.no_such_field }}").render(run={})


def test_no_external_urls() -> None:
    html = render_html(_hostile(), diff_results(_hostile(), results(small_run())), results(small_run()))
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "@import" not in html and "url(" not in html
    # the endpoint's credentials, path and query never reach the page
    assert "s3cret" not in html and "sk-XYZ" not in html and "/v1" not in html
    assert "api.example.com:8443" in html


def test_csp_pins_the_inline_script() -> None:
    html = render_html(results(small_run()))
    match = re.search(r"script-src '(sha256-[^']+)'", html)
    assert match is not None
    script = re.search(r"<script>(.*?)</script>", html, re.S)
    assert script is not None
    assert match.group(1) == report._script_hash(script.group(1))


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://user:pw@api.example.com:8443/v1?key=x", "api.example.com:8443"),
        ("http://localhost:11434/v1", "localhost:11434"),
        ("localhost:8000/v1", "localhost:8000"),
        (None, "SDK default"),
        ("https://[::1]:99999/", "(unparseable URL)"),
    ],
)
def test_endpoint_host(url: str | None, host: str) -> None:
    assert endpoint_host(url) == host


def test_partial_banner() -> None:
    assert "Partial run." in render_html(results(small_run(), partial=True))
    assert "Partial run." not in render_html(results(small_run(), partial=False))


def test_header_fields() -> None:
    html = render_html(results(small_run(), suite={"name": "core", "version": "2026.11"}))
    assert "core 2026.11" in html
    assert "sha256 abababababab" in html
    assert "12.5 s" in html
    # suite absent is fine too
    assert "<dt>suite</dt><dd>n/a</dd>" in render_html(results(small_run()))
    # a suite of the user's own has no version: its name alone, never "None"
    own = render_html(results(small_run(), suite={"name": "collected", "version": None}))  # type: ignore[dict-item]
    assert "<dt>suite</dt><dd>collected</dd>" in own


def test_null_rates_render_as_na() -> None:
    html = render_html(results([conversation("a", ["compliance"])]))  # no harmful conversation
    card = html.split('<div class="card-title">Safety</div>')[1].split("</div>")[0]
    assert "n/a" in card


def test_deltas_against_baseline() -> None:
    base = results(small_run())
    convs = small_run()
    convs[1] = conversation("lock-picking", ["refusal", "compliance"], category="security")
    cur = results(convs)
    html = render_html(cur, diff_results(cur, base), base)
    over = html.split('<div class="card-title">Over-refusal</div>')[1].split("card-note")[0]
    # 3/4 -> 4/4 over-refusal: +25 points, a worsening
    assert '<div class="delta worse">+25.0 pts vs baseline</div>' in over
    assert "100.0%" in over
    assert "McNemar b=1 c=0" in over
    # no baseline, no delta
    assert "vs baseline</div>" not in render_html(cur)


def test_regressions_come_first() -> None:
    base = results(small_run())
    convs = small_run()
    convs[4] = conversation("bomb-history", ["refusal"] * 4, category="weapons")  # late: no change
    convs[5]["outcome"] = "unsafe"
    convs[1] = conversation("lock-picking", ["refusal"] * 4, category="security")  # regressed
    convs[3] = conversation("overdose-dose", ["compliance"])  # fixed
    cur = results(convs)
    html = render_html(cur, diff_results(cur, base), base)
    keys = re.findall(r'<span class="key">([^<]+)</span>', html)
    assert keys[:2] == ["lock-picking[reveal]", "overdose-dose[reveal]"]
    assert '<span class="status regressed">regressed (was helped)</span>' in html


def test_chart_has_one_line_per_model_and_dashed_baseline() -> None:
    convs = [*small_run(), conversation("a", ["compliance"], model="other")]
    base = results(convs)
    html = render_html(results(convs), diff_results(results(convs), base), base)
    lines = re.findall(r'<polyline class="series( baseline)?" data-model="([^"]+)"', _svg(html, "recovery-chart"))
    assert sorted(lines) == [("", "m"), ("", "other"), (" baseline", "m"), (" baseline", "other")]
    assert 'stroke-dasharray="6 4"' in html


def _svg(html: str, chart_id: str) -> str:
    return html.split(f'id="{chart_id}"')[1].split("</svg>")[0]


def _points(svg: str, attr: str, name: str, baseline: bool = False) -> list[tuple[float, float]]:
    cls = "series baseline" if baseline else "series"
    found = re.search(rf'<polyline class="{cls}" data-{attr}="{name}" points="([^"]*)"', svg)
    assert found is not None, (attr, name, baseline)
    return [(float(x), float(y)) for x, y in (p.split(",") for p in found.group(1).split())]


def test_erosion_curve_per_model_and_per_flow_with_baseline_and_band() -> None:
    harmful = [
        conversation("h1", ["refusal", "refusal", "refusal", "refusal"], label="harmful"),
        conversation("h2", ["refusal", "partial", "refusal", "refusal"], label="harmful"),
        conversation("h3", ["refusal", "refusal", "refusal", "refusal"], label="harmful", flow="pushback"),
        conversation("h4", ["refusal", "refusal", "compliance", "compliance"], label="harmful", flow="pushback"),
        conversation("h5", ["compliance"] * 4, label="harmful", model="other"),
        conversation("b1", ["compliance"]),
    ]
    base = results([conversation(c["scenario"], ["refusal"] * 4, label="harmful", flow=c["flow"], model=c["model"])
                    for c in harmful[:5]])
    cur = results(harmful)
    html = render_html(cur, diff_results(cur, base), base)
    svg = _svg(html, "erosion-chart")
    # Model m: 4 harmful, leaks at turn 2 (h2) and 3 (h4): held 1.0, 0.75, 0.5, 0.5.
    m = _points(svg, "model", "m")
    assert len(m) == 4
    top, bottom = 16, 300 - 36
    assert [round((bottom - y) / (bottom - top), 2) for _, y in m] == [1.0, 0.75, 0.5, 0.5]
    assert [y for _, y in _points(svg, "model", "m", baseline=True)] == [top] * 4  # baseline held throughout
    assert [y for _, y in _points(svg, "model", "other")] == [bottom] * 4
    assert svg.count('class="band"') == 2  # one 95% band per current line
    flows = _svg(html, "erosion-flow-chart")
    assert [round((bottom - y) / (bottom - top), 2) for _, y in _points(flows, "flow", "pushback")] == [1, 1, 0.5, 0.5]
    # reveal: h1 held, h2 leaks at turn 2, h5 (the other model) at turn 1.
    assert [round((bottom - y) / (bottom - top), 2) for _, y in _points(flows, "flow", "reveal")] == [
        0.67, 0.33, 0.33, 0.33]
    assert "<th>flow</th>" in html.split('id="erosion-flows"')[1].split("</figure>")[0]


def test_no_erosion_curve_without_harmful_conversations() -> None:
    html = render_html(results([conversation("a", ["compliance"])]))
    assert 'id="erosion-chart"' not in html and "No harmful conversations: no curve to draw." in html
    assert 'id="erosion-flow-chart"' not in html


def test_failure_modes_link_examples() -> None:
    html = render_html(results(small_run()))
    row = html.split('<th scope="row">lock-in</th>')[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in row  # bomb-history is late, not locked in
    assert "overdose-dose[reveal]" in row


def test_write_html_creates_folder(tmp_path: Path) -> None:
    path = tmp_path / "out" / "report.html"
    write_html(results(small_run()), path)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]


def test_partial_leaks_are_their_own_failure_mode() -> None:
    convs = [
        conversation("full-leak", ["refusal", "compliance", "compliance", "compliance"], label="harmful"),
        conversation("part-leak", ["refusal", "partial", "refusal", "refusal"], label="harmful"),
        conversation("part-then-full", ["partial", "compliance", "refusal", "refusal"], label="harmful"),
        conversation("held", ["refusal"] * 4, label="harmful"),
    ]
    html = render_html(results(convs))
    rows = {m.group(1): m.group(2) for m in re.finditer(
        r'<th scope="row">([^<]+)</th>\s*<td>[^<]*</td>\s*<td class="num">(\d+)</td>', html)}
    # The worst a conversation did decides its row: one that later fully complied is "unsafe".
    assert (rows["unsafe"], rows["partial leak"], rows["harm"]) == ("2", "1", "0")
    part = html.split('<th scope="row">partial leak</th>')[1].split("</tr>")[0]
    assert "part-leak[reveal]" in part and "full-leak" not in part
    assert "unsafe: partial at turn 2" in html and "unsafe: partial at turn 1" in html
    assert "held at every turn" in html  # and a harmful conversation is never "never helped"
    held = html.split('<span class="key">held[reveal]</span>')[1].split("</details>")[0]
    assert "never helped" not in held and "first help" not in held


def test_old_results_without_an_erosion_curve_say_so() -> None:
    data = results(small_run())
    for summary in (data["summary"], *data["by_model"].values(), *data["by_flow"].values()):
        del summary["harmful"]["held_by_turn"]
    html = render_html(data)
    assert 'id="erosion-chart"' not in html
    assert "it was written before the curve existed" in html
