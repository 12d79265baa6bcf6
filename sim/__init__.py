"""Measure a program: machine profiles, motion planning and cycle time.

>>> import sim
>>> "grbl-router" in sim.machines()
True
"""

from .cycle_time import CycleTime, cycle_time
from .machine import ArcSplit, Blending, Controller, Machine, load_machine, machines
from .planner import Profile, Segments, plan, segments

__all__ = [
    "ArcSplit",
    "Blending",
    "Controller",
    "CycleTime",
    "Machine",
    "Profile",
    "Segments",
    "cycle_time",
    "load_machine",
    "machines",
    "plan",
    "segments",
]
