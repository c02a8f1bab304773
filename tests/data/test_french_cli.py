"""``python -m analytics --lang fr`` on the demo warehouse: the text output is French."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.french import catalogue_ids, english_in

REPO = Path(__file__).resolve().parents[2]


def _run(db: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROUTEWATCH_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", "fr", *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_french_route_risk(demo_db: Path) -> None:
    proc = _run(demo_db, "risk", "--level", "route")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("Risque par route")
    assert "morts+disparus" in lines[1]
    assert english_in(lines, catalogue_ids()) == []


def test_french_brief(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "note.pdf"
    proc = _run(demo_db, "brief", "--format", "pdf", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > 0
    text = (proc.stdout + proc.stderr).splitlines()
    assert any("lecture des données" in t for t in text), text
    assert any("écrit" in t for t in text), text
    # The progress bar's own marks (#, -) carry no words; every message is French.
    assert english_in(text, catalogue_ids()) == []


def test_french_errors(demo_db: Path) -> None:
    proc = _run(demo_db, "risk", "--level", "route", "--route", "nowhere")
    assert proc.returncode == 2
    assert proc.stderr.startswith("erreur")
    assert "identifiant de route inconnu" in proc.stderr
