"""How big and how slow is the HTML report for a large run?

Builds a synthetic results file of 1,000 four-turn conversations (replies of 150-300 words, two
models), diffs it against a perturbed copy as baseline, renders the page, and prints its size
and the render and diff times.

    python benchmarks/report_render.py [--conversations N] [--out PATH]
"""

from __future__ import annotations

import argparse
import copy
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pytest_carryon.baseline import diff_results  # noqa: E402
from pytest_carryon.report import render_html  # noqa: E402
from tests.report_fixtures import results, synthetic  # noqa: E402


def _baseline(current: dict[str, object], seed: int = 1) -> dict[str, object]:
    """The same run with a tenth of the conversations' outcomes moved, so the diff has work."""
    rng = random.Random(seed)
    convs = copy.deepcopy(current["conversations"])
    assert isinstance(convs, list)
    for conv in rng.sample(convs, len(convs) // 10):
        conv["outcome"] = "held" if conv["label"] == "harmful" else "helped"
        conv["turns"][0]["verdict"] = "compliance"
    return results(convs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None, help="also write the page here")
    parser.add_argument(
        "--browser",
        action="store_true",
        help="also time load and filtering in headless /usr/bin/chromium (needs playwright)",
    )
    args = parser.parse_args()

    current = results(synthetic(args.conversations))
    baseline = _baseline(current)

    diff_times, render_times = [], []
    html = ""
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        diff = diff_results(current, baseline)
        t1 = time.perf_counter()
        html = render_html(current, diff, baseline)
        t2 = time.perf_counter()
        diff_times.append(t1 - t0)
        render_times.append(t2 - t1)

    size = len(html.encode("utf-8"))
    turns = sum(len(c["turns"]) for c in current["conversations"])  # type: ignore[union-attr]
    print(f"conversations: {args.conversations}, turns: {turns}")
    print(f"page size: {size:,} bytes ({size / 1e6:.1f} MB)")
    print(
        f"render_html: median {statistics.median(render_times) * 1000:.0f} ms "
        f"(min {min(render_times) * 1000:.0f} ms, {args.repeat} runs)"
    )
    print(
        f"diff_results: median {statistics.median(diff_times) * 1000:.0f} ms "
        f"({len(diff.regressed)} regressed, {len(diff.fixed)} fixed, "
        f"{len(diff.changed)} changed)"
    )
    if args.out:
        args.out.write_text(html, encoding="utf-8")
        print(f"wrote {args.out}")
    if args.browser:
        _browser(html)


def _browser(html: str) -> None:
    import tempfile

    from playwright.sync_api import sync_playwright

    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
    ]
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        path = Path(tmp) / "report.html"
        path.write_text(html, encoding="utf-8")
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_page()
        t0 = time.perf_counter()
        page.goto(path.as_uri(), wait_until="load")
        t1 = time.perf_counter()
        page.select_option("#filters select[name=outcome]", "locked_in")
        shown = page.inner_text("#shown")
        t2 = time.perf_counter()
        page.click("#expand-all")
        page.evaluate("() => document.body.offsetHeight")
        t3 = time.perf_counter()
        browser.close()
    print(
        f"chromium: load {(t1 - t0) * 1000:.0f} ms, filter {(t2 - t1) * 1000:.0f} ms "
        f"({shown}), expand all {(t3 - t2) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
