"""Plots of a :class:`sim.compare.Comparison` and one self-contained HTML report (images inline).

Plots (matplotlib, Agg backend, imported lazily):

- :func:`plot_paths`: the moves in XY, coloured by engagement when it was measured, otherwise by what the
  simulation says each move did (cutting, link through air, plunge, rapid);
- :func:`plot_histogram`: length-weighted histogram of the engagement of engaged moves, or, without
  engagement, time-weighted histogram of the material removal rate of every cutting move;
- :func:`plot_velocity`: the planned path speed over time (:meth:`sim.CycleTime.plot_velocity`);
- :func:`plot_summary`: planned and length/feed cycle time of every strategy, side by side.

:func:`html` builds the page (a summary table, then per strategy a table and its plots as
``<img src="data:image/png;base64,...">``); :func:`write_html` writes it atomically.
"""

from __future__ import annotations

import base64
import html as _html
import io
import os
from pathlib import Path
from typing import Any

import numpy as np

from toolpath.atomic import atomic_write_text

from .compare import MOVE_CUT, MOVE_LINK, MOVE_PLUNGE, MOVE_RAPID, Comparison, StrategyRun, _move_lengths

__all__ = ["plot_paths", "plot_histogram", "plot_velocity", "plot_summary", "png_base64", "html", "write_html"]

_CLASS_STYLE = {
    MOVE_CUT: ("cutting", "#1f77b4", 0.8, "solid"),
    MOVE_LINK: ("feed in air (link)", "#ff7f0e", 0.8, "solid"),
    MOVE_PLUNGE: ("plunge", "#d62728", 1.2, "solid"),
    MOVE_RAPID: ("rapid", "#7f7f7f", 0.5, "dashed"),
}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _axes(ax: Any, size: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots(figsize=size)
    return ax


def _chords(run: StrategyRun) -> tuple[np.ndarray, np.ndarray]:
    """XY chords of every move (arcs flattened to 0.02 mm) and the move each belongs to."""
    from .sweep import toolpath_segments

    prog = run.program
    segs, moves = [], []
    base = 0
    for op, s in zip(prog.operations, prog.operation_starts(), strict=True):
        seg, mv = toolpath_segments(op.toolpath, s, arc_tolerance_mm=0.02)
        segs.append(seg)
        moves.append(mv + base)
        base += len(op.toolpath)
    seg = np.concatenate(segs) if segs else np.zeros((0, 9))
    mv = np.concatenate(moves) if moves else np.zeros(0, np.int64)
    return np.stack([seg[:, 0:2], seg[:, 3:5]], axis=1), mv


def plot_paths(run: StrategyRun, *, ax: Any = None) -> Any:
    """The moves of ``run`` in XY, coloured by engagement (or by move class); returns the axis."""
    from matplotlib.collections import LineCollection

    ax = _axes(ax, (6.5, 5.0))
    if not run.ok or run.program is None:
        ax.text(0.5, 0.5, f"{run.strategy}: {run.error}", ha="center", va="center", wrap=True)
        ax.set_axis_off()
        return ax
    lines, mv = _chords(run)
    cls = run.move_class[mv] if run.move_class is not None else np.full(mv.size, MOVE_CUT)
    eng = run.engagement_deg
    rapid = cls == MOVE_RAPID
    if rapid.any():
        ax.add_collection(LineCollection(lines[rapid], colors="#9a9a9a", linewidths=0.4, linestyles="dashed",
                                         label="rapid"))
    if eng is not None:
        sel = ~rapid
        vals = np.nan_to_num(eng[mv[sel]], nan=0.0)
        lc = LineCollection(lines[sel], cmap="turbo", linewidths=0.9)
        lc.set_array(vals)
        lc.set_clim(0.0, 180.0)
        ax.add_collection(lc)
        ax.figure.colorbar(lc, ax=ax, label="engagement (deg)", fraction=0.046, pad=0.04)
    else:
        for code in (MOVE_CUT, MOVE_LINK, MOVE_PLUNGE):
            sel = cls == code
            if sel.any():
                label, color, lw, ls = _CLASS_STYLE[code]
                ax.add_collection(LineCollection(lines[sel], colors=color, linewidths=lw, linestyles=ls, label=label))
        ax.legend(loc="upper right", fontsize=7, framealpha=0.8)
    if run.mill is not None:
        for p in run.mill.pockets:
            for ring in [p.region.exterior, *p.region.interiors]:
                x, y = ring.xy
                ax.plot(x, y, color="black", lw=0.7)
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.set_xlabel("x (mm)")
    ax.set_ylabel("y (mm)")
    what = "engagement" if eng is not None else "what each move did (simulated)"
    ax.set_title(f"{run.strategy}: path coloured by {what}", fontsize=9)
    return ax


def plot_histogram(run: StrategyRun, *, ax: Any = None) -> Any:
    """Engagement histogram (length-weighted) or, without engagement, MRR histogram (time-weighted)."""
    ax = _axes(ax, (6.0, 3.2))
    if not run.ok or run.cycle is None or run.check is None or run.move_class is None:
        ax.text(0.5, 0.5, "no data", ha="center", va="center")
        ax.set_axis_off()
        return ax
    engaged = (run.move_class == MOVE_CUT) | (run.move_class == MOVE_PLUNGE)
    if run.engagement_deg is not None:
        e = run.engagement_deg
        sel = engaged & np.isfinite(e)
        ax.hist(e[sel], bins=np.linspace(0, 180, 37), weights=_move_lengths(run.program)[sel], color="#2a7ab9")
        ax.set_xlabel("engagement (deg)")
        ax.set_ylabel("path length (mm)")
        ax.set_title(f"{run.strategy}: engagement along the engaged path", fontsize=9)
    else:
        t = run.cycle.move_time_s
        removed = run.check.stock_result.removed_per_move_mm3
        sel = engaged & (t > 1e-9)
        rate = removed[sel] / t[sel] * 60.0
        if rate.size:
            ax.hist(rate, bins=40, weights=t[sel], color="#2a7ab9")
        ax.set_xlabel("material removal rate (mm³/min)")
        ax.set_ylabel("planned time (s)")
        ax.set_title(f"{run.strategy}: removal rate over cutting time (engagement not measured)", fontsize=9)
    return ax


def plot_velocity(run: StrategyRun, *, ax: Any = None) -> Any:
    """Planned path speed over time of ``run``."""
    ax = _axes(ax, (9.0, 2.8))
    if run.cycle is None:
        ax.text(0.5, 0.5, "no data", ha="center", va="center")
        ax.set_axis_off()
        return ax
    run.cycle.plot_velocity(ax=ax, label="as programmed")
    title = f"{run.strategy}: " + ax.get_title()
    after = getattr(run.feeds, "cycle_after", None)
    if after is not None:
        t, v = after.velocity_profile()
        ax.plot(t, v * 60.0, lw=0.8, color="#2ca02c", alpha=0.85, label="feeds scheduled")
        ax.legend(fontsize=7, loc="upper right")
        title += f"; {after.cycle_time_s:.2f} s with scheduled feeds"
    ax.set_title(title, fontsize=9)
    return ax


def plot_summary(comparison: Comparison, *, ax: Any = None) -> Any:
    """Bars of planned and length/feed cycle time per strategy (and the fair / scheduled time when known)."""
    ax = _axes(ax, (7.0, 3.2))
    runs = [r for r in comparison.runs if r.ok]
    x = np.arange(len(runs))
    planned = [r.figures["cycle_time_s"] for r in runs]
    naive = [r.figures["naive_time_s"] for r in runs]
    sched = [r.figures.get("scheduled_cycle_time_s") for r in runs]
    w = 0.27
    ax.bar(x - w, planned, w, label="planned", color="#1f77b4")
    ax.bar(x, naive, w, label="length / feed", color="#aec7e8")
    if any(s is not None for s in sched):
        ax.bar(x + w, [s or 0.0 for s in sched], w, label="planned, feeds scheduled", color="#2ca02c")
    for xi, v in zip(x, planned, strict=True):
        ax.text(xi - w, v, f"{v:.1f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x, [r.strategy for r in runs])
    ax.set_ylabel("cycle time (s)")
    ax.set_title(f"cycle time on {comparison.machine}", fontsize=9)
    ax.legend(fontsize=7)
    return ax


def png_base64(ax_or_fig: Any, *, dpi: int = 110) -> str:
    """The figure of an axis (or a figure) as base64 PNG text; closes the figure."""
    fig = getattr(ax_or_fig, "figure", ax_or_fig)
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=dpi)
    _pyplot().close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


# --------------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------------
_SUMMARY_COLUMNS = [
    ("cycle_time_s", "planned (s)", "{:.1f}"),
    ("naive_time_s", "length/feed (s)", "{:.1f}"),
    ("cycle_time_vs_baseline_pct", "vs baseline (%)", "{:+.1f}"),
    ("scheduled_cycle_time_s", "feeds scheduled (s)", "{:.1f}"),
    ("path_length_mm", "path (mm)", "{:.0f}"),
    ("cutting_length_mm", "cutting (mm)", "{:.0f}"),
    ("link_length_mm", "link (mm)", "{:.0f}"),
    ("rapid_length_mm", "rapid (mm)", "{:.0f}"),
    ("air_cut_share", "air cut", "{:.1%}"),
    ("max_engagement_deg", "max eng. (°)", "{:.0f}"),
    ("p95_engagement_deg", "p95 eng. (°)", "{:.0f}"),
    ("mean_mrr_mm3_min", "mean MRR (mm³/min)", "{:.0f}"),
    ("removed_fraction", "removed / designed", "{:.2%}"),
    ("gouge_count", "gouges", "{}"),
    ("uncut_area_mm2", "uncut (mm²)", "{:.2f}"),
    ("generation_time_s", "generation (s)", "{:.2f}"),
]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1150px;
color:#222;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}
h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
td,th{border:1px solid #ddd;padding:.25em .55em;text-align:right}
th{background:#f3f5f7}td:first-child,th:first-child{text-align:left}.err{color:#b00020}.muted{color:#777}
.plots{display:flex;flex-wrap:wrap;gap:.6em;align-items:flex-start}.plots img{max-width:100%;border:1px solid #eee}
.good{color:#1a7f37;font-weight:600}.wide{overflow-x:auto}td.err{text-align:left}.bad{color:#b00020;font-weight:600}
"""


def _fmt(v: Any, f: str) -> str:
    if v is None:
        return '<span class="muted">–</span>'
    try:
        return _html.escape(f.format(v))
    except (ValueError, TypeError):
        return _html.escape(str(v))


def html(comparison: Comparison, *, title: str | None = None, dpi: int = 110) -> str:
    """The whole report as one HTML string, plots inline as base64 PNG."""
    data = comparison.to_json()
    rows = data["strategies"]
    esc = _html.escape
    title = title or f"Strategy comparison: {Path(comparison.part).name}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="muted">tool: flat end mill D{comparison.tool.diameter_mm:g} mm, {comparison.tool.flutes} flutes; '
        f"machine: {esc(comparison.machine)}; mode: {'fair' if comparison.fair else 'nominal (same parameters)'}; "
        f"baseline: {esc(str(data['baseline']))}</p>",
    ]
    if data.get("fair_rule"):
        out.append(f"<p><b>Fair rule.</b> {esc(data['fair_rule'])}</p>")
    if data["settings"].get("engagement") is None:
        out.append('<p class="muted">Engagement was not measured (sim.engagement is not available): engagement '
                   "columns are empty, paths are coloured by what the simulation shows each move did.</p>")
    # summary
    out.append('<h2>Summary</h2><div class="wide"><table><tr><th>strategy</th>')
    out += [f"<th>{esc(h)}</th>" for _, h, _ in _SUMMARY_COLUMNS]
    out.append("</tr>")
    for name, d in rows.items():
        if d.get("error"):
            out.append(f'<tr><td>{esc(name)}</td><td class="err" colspan="{len(_SUMMARY_COLUMNS)}">'
                       f"{esc(d['error'])}</td></tr>")
            continue
        cells = []
        for k, _, f in _SUMMARY_COLUMNS:
            v = d.get(k)
            cls = ""
            if k == "gouge_count" and v is not None:
                cls = ' class="good"' if v == 0 else ' class="bad"'
            cells.append(f"<td{cls}>{_fmt(v, f)}</td>")
        out.append(f"<tr><td>{esc(name)}</td>{''.join(cells)}</tr>")
    out.append("</table></div>")
    if any(r.ok for r in comparison.runs):
        out.append(f'<div class="plots"><img alt="cycle times" src="data:image/png;base64,'
                   f'{png_base64(plot_summary(comparison), dpi=dpi)}"></div>')
    # every figure, strategies side by side
    ran = [r for r in comparison.runs if r.ok]
    if ran:
        out.append('<h2>All figures</h2><div class="wide"><table><tr><th>figure</th>')
        out += [f"<th>{esc(r.strategy)}</th>" for r in ran]
        out.append("</tr>")
        keys: list[str] = []
        for r in ran:
            keys += [k for k in rows[r.strategy] if k not in keys and k not in ("strategy", "error")]
        for k in keys:
            cells = []
            for r in ran:
                v = rows[r.strategy].get(k)
                if isinstance(v, dict):
                    cell = ", ".join(f"{esc(str(a))} {_fmt(b, '{:.3g}' if isinstance(b, float) else '{}')}"
                                     for a, b in v.items())
                elif isinstance(v, list):
                    cell = esc(", ".join(f"{x:g}" if isinstance(x, float) else str(x) for x in v))
                else:
                    cell = _fmt(v, "{:.4g}" if isinstance(v, float) else "{}")
                cells.append(f"<td>{cell}</td>")
            out.append(f"<tr><td>{esc(k)}</td>{''.join(cells)}</tr>")
        out.append("</table></div>")
    # plots per strategy
    for r in comparison.runs:
        out.append(f"<h2>{esc(r.strategy)}</h2>")
        if not r.ok:
            out.append(f'<p class="err">Not run: {esc(str(r.error))}</p>')
            continue
        imgs = [("paths", plot_paths(r)), ("histogram", plot_histogram(r)), ("velocity", plot_velocity(r))]
        out.append('<div class="plots">')
        for alt, ax in imgs:
            out.append(f'<img alt="{esc(r.strategy)} {alt}" src="data:image/png;base64,{png_base64(ax, dpi=dpi)}">')
        out.append("</div>")
    out.append(f'<p class="muted">Figures as JSON keys (units in the key); {len(rows)} strategies.</p>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_html(comparison: Comparison, path: str | os.PathLike[str], **kw: Any) -> Path:
    """Write :func:`html` to ``path`` atomically; returns the path."""
    return atomic_write_text(path, html(comparison, **kw))
