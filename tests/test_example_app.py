"""examples/app-team runs as its README says: its own pytest project, gated on its committed
baseline. Played from a copy, so the example's folder gets no reports or cache of this run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "app-team"


def test_the_app_team_example_passes_against_its_baseline(tmp_path: Path) -> None:
    project = tmp_path / "app-team"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(
        ".carryon-cache", ".pytest_cache", "__pycache__", "carryon-results.json", "carryon-report.html"))
    run = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "-p", "no:cacheprovider"],
                         cwd=project, capture_output=True, text=True, timeout=600)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert "no change against the baseline" in output, output[-3000:]
    assert (project / "reports" / "carryon-report.html").is_file()
