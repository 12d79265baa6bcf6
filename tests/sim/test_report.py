"""Tests of sim.report: one self-contained HTML file whose inline PNGs decode, render in headless Chromium,
and show the plots."""

from __future__ import annotations

import base64
import dataclasses
import io
import re
import shutil
import subprocess

import numpy as np
import pytest

from sim.compare import MOVE_CUT, compare
from sim.report import html, plot_histogram, plot_paths, write_html
from toolpath import InputError, Tool

cq = pytest.importorskip("cadquery")
mpimg = pytest.importorskip("matplotlib.image")

_IMG = re.compile(r'<img [^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def comparison():  # noqa: ANN201
    body = cq.Workplane("XY").box(30, 24, 8, centered=False)
    part = body.cut(cq.Workplane("XY").workplane(offset=4).center(15, 12).rect(18, 12).extrude(5))
    return compare(part, ["offset", "no-such-strategy"], Tool.flat(4.0), "grbl-router", cell_mm=0.2,
                   engagement=False)


@pytest.fixture(scope="module")
def page(comparison) -> str:  # noqa: ANN001
    return html(comparison)


def test_html_is_one_file_with_inline_pngs(page: str) -> None:
    imgs = _IMG.findall(page)
    assert len(imgs) == 4  # cycle-time bars, then paths, histogram and velocity of the one run
    for b64 in imgs:
        raw = base64.b64decode(b64, validate=True)
        assert raw[:8] == b"\x89PNG\r\n\x1a\n"
        a = mpimg.imread(io.BytesIO(raw), format="png")
        assert a.shape[0] > 100 and a.shape[1] > 100
        assert np.ptp(a[..., :3]) > 0.5  # something is drawn, not a blank image
    # nothing is fetched from elsewhere
    assert "<script" not in page and "<link" not in page and "http://" not in page and "https://" not in page
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


def test_html_shows_figures_and_errors(page: str, comparison) -> None:  # noqa: ANN001
    row = comparison["offset"].figures
    assert f"{row['cycle_time_s']:.1f}" in page
    assert "no-such-strategy" in page and "unknown strategy" in page
    assert "Engagement was not measured" in page


def test_write_html_is_atomic(tmp_path, comparison) -> None:  # noqa: ANN001
    out = tmp_path / "report.html"
    write_html(comparison, out)
    assert out.read_text().count("data:image/png;base64,") == 4
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left
    with pytest.raises(InputError, match="folder"):
        write_html(comparison, tmp_path / "missing" / "r.html")


def test_paths_coloured_by_engagement_get_a_colour_bar(comparison) -> None:  # noqa: ANN001
    run = comparison["offset"]
    n = run.program.moves()
    eng = np.where(run.move_class == MOVE_CUT, np.linspace(0.0, 180.0, n), np.nan)
    ax = plot_paths(dataclasses.replace(run, engagement_deg=eng))
    assert len(ax.figure.axes) == 2  # the plot and its colour bar
    assert "engagement" in ax.get_title()
    hist = plot_histogram(dataclasses.replace(run, engagement_deg=eng))
    assert hist.get_xlabel() == "engagement (deg)"
    heights = sum(p.get_height() for p in hist.patches)
    lengths = run.program.toolpath.lengths(run.program.start_xyz)
    assert heights == pytest.approx(lengths[run.move_class == MOVE_CUT].sum())  # length-weighted


_CHROMIUM = next((shutil.which(c) for c in ("chromium-headless-shell", "chromium", "chromium-browser")
                  if shutil.which(c)), None)


@pytest.mark.skipif(_CHROMIUM is None, reason="headless Chromium is not installed (Debian chromium-headless-shell)")
def test_report_renders_in_headless_chromium(tmp_path, comparison) -> None:  # noqa: ANN001
    out = tmp_path / "report.html"
    write_html(comparison, out)
    shot = tmp_path / "shot.png"
    subprocess.run(
        [_CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,3200",
         f"--screenshot={shot}", out.as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    img = mpimg.imread(str(shot))[..., :3]
    assert img.shape[:2] == (3200, 1200)
    # the cutting moves are drawn in matplotlib's first colour (#1f77b4), which only the plots use
    blue = np.abs(img - np.array([0x1F, 0x77, 0xB4]) / 255.0).max(axis=2) < 0.06
    assert blue.sum() > 2000
    # and the bars of the summary plot fill a block of it
    rows = np.flatnonzero(blue.sum(axis=1) > 100)
    assert rows.size > 50
