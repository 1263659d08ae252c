"""Regenerate the reference run in reports/reference/ and the example app's baseline.

    python benchmarks/reference_report.py            # both (about five minutes on 2 cores)
    python benchmarks/reference_report.py --only example

The reference is the README's first command - the `quick` subset against the real local model
(local:smollm2, max 128 tokens) - written to reports/reference/: the baseline (which is the
run's results) and its report. Never to reports/carryon-baseline.json, which every run from
the repository root would pick up as its baseline. The example app's baseline
(examples/app-team/reports/carryon-baseline.json) is rewritten from its own test run. Run this
after a change to the judge or the outcome rule.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reports" / "reference"
EXAMPLE = ROOT / "examples" / "app-team"


def reference() -> int:
    REFERENCE.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pytest", "scenarios", "--carryon-model=local:smollm2", "-k", "quick",
        "-n", "2", "--carryon-max-tokens=128", "--carryon-cache-mode=off", "-p", "no:cacheprovider",
        "-q", "--no-header", "--tb=no",
        f"--carryon-json={REFERENCE / '.carryon-results.json'}",  # the baseline holds the same
        f"--carryon-html={REFERENCE / 'carryon-report.html'}",
        f"--carryon-baseline={REFERENCE / 'carryon-baseline.json'}", "--carryon-update-baseline",
    ]
    status = _run(command, ROOT)
    (REFERENCE / ".carryon-results.json").unlink(missing_ok=True)
    return status


def example() -> int:
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--no-header",
               "--carryon-cache-mode=off", "--carryon-update-baseline"]
    return _run(command, EXAMPLE)


def _run(command: list[str], where: Path) -> int:
    print("$ (cd", where.relative_to(ROOT) or ".", "&&", " ".join(command[1:]) + ")", flush=True)
    done = subprocess.run(command, cwd=where, check=False)
    # Failing conversations are part of a reference (SmolLM2 complies with harmful requests):
    # exit 1 is a run with failures, anything else means the run itself broke.
    return 0 if done.returncode in (0, 1) else done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("reference", "example"))
    args = parser.parse_args()
    status = 0
    if args.only in (None, "reference"):
        status = status or reference()
    if args.only in (None, "example"):
        status = status or example()
    return status


if __name__ == "__main__":
    raise SystemExit(main())
