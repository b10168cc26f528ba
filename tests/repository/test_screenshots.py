"""The pictures' script refuses to draw boxes: without a CJK font, it stops and says so."""

import os

from workshop.processes import ROOT
from support import run_module


def test_screenshots_refuse_without_a_cjk_font(tmp_path):
    no_fonts = tmp_path / "fonts.conf"
    no_fonts.write_text("<?xml version='1.0'?><fontconfig></fontconfig>")  # fontconfig, empty
    pictures = {path: path.stat().st_mtime_ns for path in (ROOT / "docs" / "img").glob("step*.png")}
    result = run_module("measurements.screenshots", env={**os.environ, "FONTCONFIG_FILE": str(no_fonts)})
    assert result.returncode != 0
    assert result.stderr.startswith("No CJK font found") and result.stderr.count("\n") == 1
    assert pictures and all(path.stat().st_mtime_ns == mtime for path, mtime in pictures.items())
