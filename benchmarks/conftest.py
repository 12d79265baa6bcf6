"""Shared fixtures of the pytest-benchmark suites (``benchmarks/test_bench_*.py``).

The suites are not part of the default test run (``testpaths`` is ``tests/``); run them with::

    /work/venv/bin/pytest benchmarks/ --benchmark-only

Every benchmark warms up first (one untimed round, so Numba compile or cache loading is excluded) and
then asserts a correctness property of the result it timed, so a benchmark of a function that silently
does nothing fails instead of looking fast.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import Polygon

from toolpath import Pocket

__all__ = ["SHARED", "POCKET_DEPTH_MM", "load_reference_pockets", "timed"]


def _find_shared() -> Path:
    """The shared reference folder: ``$TOOLPATH_SHARED``, ``../shared`` beside the repository, ``/work/shared``."""
    for c in (os.environ.get("TOOLPATH_SHARED", ""), Path(__file__).resolve().parents[2] / "shared", "/work/shared"):
        if c and (Path(c) / "reference").is_dir():
            return Path(c)
    return Path(__file__).resolve().parents[2] / "shared"


SHARED = _find_shared()
#: Depth of the reference pockets in the strategy benchmarks, mm (from z = 0 down).
POCKET_DEPTH_MM = 3.0


def load_reference_pockets(path: Path | None = None) -> dict[str, Pocket]:
    """The pockets of ``shared/reference/pockets.json`` (A, B, C), each 0 to -3 mm deep.

    Parameters
    ----------
    path : Path, optional
        The JSON file; default ``SHARED / "reference" / "pockets.json"``.

    Returns
    -------
    dict of str to Pocket
    """
    p = path or SHARED / "reference" / "pockets.json"
    data = json.loads(Path(p).read_text(encoding="utf-8"))
    out = {}
    for name, d in data["pockets"].items():
        poly = Polygon(d["outer"], d.get("islands", []))
        out[name] = Pocket(poly, 0.0, -POCKET_DEPTH_MM)
    return out


def timed(benchmark: Any, fn: Callable[..., Any], *args: Any, rounds: int = 5, warmup_rounds: int = 1,
          **kwargs: Any) -> Any:
    """Time ``fn(*args, **kwargs)`` with pytest-benchmark after ``warmup_rounds`` untimed calls.

    Returns
    -------
    object
        What the last timed call returned (to assert on).
    """
    return benchmark.pedantic(fn, args=args, kwargs=kwargs, rounds=rounds, iterations=1,
                              warmup_rounds=warmup_rounds)


@pytest.fixture(scope="session")
def reference_pockets() -> dict[str, Pocket]:
    """Pockets A, B, C of ``shared/reference/pockets.json``; skips when the shared folder is missing."""
    p = SHARED / "reference" / "pockets.json"
    if not p.is_file():
        pytest.skip(f"reference pockets not found at {p} (set TOOLPATH_SHARED)")
    return load_reference_pockets(p)


@pytest.fixture(scope="session")
def parts_dir() -> Path:
    """The shared NIST part models; skips when missing."""
    p = SHARED / "parts"
    if not p.is_dir():
        pytest.skip(f"shared parts not found at {p} (set TOOLPATH_SHARED)")
    return p


@pytest.fixture
def run_timed(benchmark: Any) -> Callable[..., Any]:
    """:func:`timed` bound to this test's ``benchmark`` fixture: ``run_timed(fn, *args, rounds=5, **kw)``."""

    def run(fn: Callable[..., Any], *args: Any, rounds: int = 5, warmup_rounds: int = 1, **kwargs: Any) -> Any:
        return timed(benchmark, fn, *args, rounds=rounds, warmup_rounds=warmup_rounds, **kwargs)

    return run
