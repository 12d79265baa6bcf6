"""Measure a program: machine profiles, motion planning, cycle time, material removal and strategy comparison.

>>> import sim
>>> "grbl-router" in sim.machines()
True
"""

from pathlib import Path

from toolpath.numba_cache import refresh_cache

from .check import CheckResult, check
from .compare import Comparison, StrategyRun, compare
from .cycle_time import CycleTime, cycle_time
from .feeds import FeedSchedule, chip_thickness_mm, feed_for_chip_mm_min, schedule_feeds
from .machine import ArcSplit, Blending, Controller, Machine, load_machine, machines
from .planner import Profile, Segments, plan, segments
from .report import write_html
from .stock import HeightField, simulate

__all__ = [
    "ArcSplit",
    "Blending",
    "CheckResult",
    "Comparison",
    "Controller",
    "CycleTime",
    "FeedSchedule",
    "HeightField",
    "Machine",
    "Profile",
    "Segments",
    "StrategyRun",
    "check",
    "chip_thickness_mm",
    "compare",
    "cycle_time",
    "feed_for_chip_mm_min",
    "load_machine",
    "machines",
    "plan",
    "schedule_feeds",
    "segments",
    "simulate",
    "write_html",
]

# the planner's kernels call each other across files; cached code loads at first call, after this
refresh_cache(Path(__file__).parent)
