"""Machine profiles: what a controller obeys when it plans motion.

A profile is data, one TOML file per machine in ``sim/machines/<name>.toml``
(or any file a user passes by path). :func:`load_machine` reads one into a
frozen :class:`Machine`; :func:`machines` lists the shipped names.

Units follow the names: ``_mm_min`` feed rates, ``_mm_s2`` accelerations,
``_mm_s3`` jerks, ``_mm`` lengths, ``_s`` times. Per-axis values are
``(x, y, z)`` tuples.

The TOML layout (every key but ``name`` and ``[axes]`` has a default)::

    name = "grbl-router"
    description = "..."
    controller = "grbl"            # grbl | linuxcnc | generic
    source = "where the numbers come from"

    [axes]
    max_velocity_mm_min = [5000, 5000, 1000]
    max_acceleration_mm_s2 = [200, 200, 100]
    max_jerk_mm_s3 = [0, 0, 0]     # 0 = not jerk limited
    rapid_mm_min = [5000, 5000, 1000]
    steps_per_mm = [250, 250, 250] # 0 = positions are not quantised

    [motion]
    max_linear_velocity_mm_min = 0 # 0 = no limit on the path speed itself
    blending = "junction_deviation" # junction_deviation | exact_stop | tolerance
    junction_deviation_mm = 0.01
    blend_tolerance_mm = 0.0       # G64 P; 0 = as fast as possible
    lookahead_blocks = 15
    block_rate_hz = 0              # blocks per second the controller can plan; 0 = unlimited
    step_timer_hz = 0              # Grbl: stepper timer clock (F_CPU); 0 = no timer model
    servo_period_s = 0.0           # trajectory period of a sampled planner (LinuxCNC: 0.001)
    stop_overhead_s = 0.0          # time lost at each exact stop (servo-loop quantisation)

    [arcs]
    split = "chords"               # chords (Grbl's mc_arc) | native (planned as arcs)
    tolerance_mm = 0.002

    [times]
    tool_change_s = 0.0
    spindle_ramp_s = 0.0
    dwell_overhead_s = 0.0         # added to every G4 (the controller's own latency)
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, fields
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Any

from toolpath.errors import MachineError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Controller", "Blending", "ArcSplit", "Machine", "machines", "load_machine"]


class Controller(str, Enum):
    """Family of motion planner a profile describes."""

    GRBL = "grbl"
    """Grbl 1.1: block buffer look-ahead, junction deviation, arcs as chords."""
    LINUXCNC = "linuxcnc"
    """LinuxCNC's trajectory planner: G61 exact stop or G64 P arc blends."""
    GENERIC = "generic"
    """A look-ahead planner with optional jerk limits (industrial controllers)."""


class Blending(str, Enum):
    """How the controller passes a corner between two moves."""

    JUNCTION_DEVIATION = "junction_deviation"
    """Grbl's junction deviation: corner speed from a virtual arc of deviation ``junction_deviation_mm``."""
    EXACT_STOP = "exact_stop"
    """G61: stop at every junction."""
    TOLERANCE = "tolerance"
    """G64 P: a blend arc within ``blend_tolerance_mm`` of the corner."""


class ArcSplit(str, Enum):
    """How arcs (G2/G3) reach the planner."""

    CHORDS = "chords"
    """Cut into chords whose sagitta is the arc tolerance, as Grbl's ``mc_arc`` does."""
    NATIVE = "native"
    """Planned as arcs, speed capped by the normal acceleration (LinuxCNC)."""


def _triple(name: str, value: Any, *, allow_zero: bool = False) -> tuple[float, float, float]:
    try:
        vals = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        raise MachineError(f"{name} must be three numbers (x, y, z), got {value!r}") from None
    if len(vals) != 3:
        raise MachineError(f"{name} must be three numbers (x, y, z), got {value!r}")
    for v in vals:
        ok = (v >= 0 if allow_zero else v > 0) and math.isfinite(v)
        if not ok:
            bound = ">= 0" if allow_zero else "> 0"
            raise MachineError(f"{name} must be finite and {bound}, got {value!r}")
    return vals  # type: ignore[return-value]


def _nonneg(name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise MachineError(f"{name} must be a number, got {value!r}") from None
    if not (v >= 0 and math.isfinite(v)):
        raise MachineError(f"{name} must be finite and >= 0, got {value!r}")
    return v


def _enum(cls: type[Enum], name: str, value: Any) -> Any:
    try:
        return cls(value)
    except ValueError:
        accepted = ", ".join(str(m.value) for m in cls)
        raise MachineError(f"{name} must be one of {accepted}, got {value!r}") from None


@dataclass(frozen=True)
class Machine:
    """The limits and habits of one machine's controller.

    Parameters
    ----------
    name : str
        Profile name (``grbl-router``).
    controller : Controller
        Planner family.
    max_velocity_mm_min : tuple of 3 float
        Per-axis maximum velocity (Grbl ``$110-$112``, LinuxCNC ``[AXIS_n]MAX_VELOCITY``), mm/min.
    max_acceleration_mm_s2 : tuple of 3 float
        Per-axis maximum acceleration, mm/s².
    max_jerk_mm_s3 : tuple of 3 float
        Per-axis jerk limit, mm/s³; 0 where the controller does not limit jerk.
    rapid_mm_min : tuple of 3 float
        Per-axis rapid (G0) rate, mm/min.
    steps_per_mm : tuple of 3 float
        Step resolution; targets are rounded to whole steps (Grbl does); 0 = no rounding.
    max_linear_velocity_mm_min : float
        Cap on the path speed itself (LinuxCNC ``[TRAJ]MAX_LINEAR_VELOCITY``); 0 = none.
    blending : Blending
        Corner model.
    junction_deviation_mm : float
        Grbl ``$11``.
    blend_tolerance_mm : float
        G64 P tolerance; 0 = no tolerance given (LinuxCNC then uses a quarter of the segments).
    lookahead_blocks : int
        Blocks the planner sees, including the one being executed (Grbl 15).
    block_rate_hz : float
        Blocks per second the controller can plan; each block lasts at least ``1/block_rate_hz``; 0 = unlimited.
    step_timer_hz : float
        Grbl's stepper timer clock (F_CPU). Its timer period is one cycle longer than computed, so every
        stepper interrupt (1, 2, 4 or 8 per step with AMASS) adds ``1/step_timer_hz``; 0 = not modelled.
    servo_period_s : float
        Period of a sampled trajectory planner (0 = continuous).
    stop_overhead_s : float
        Time lost at every exact stop (a controller that finishes each move late by a few servo periods).
    arc_split : ArcSplit
        How arcs reach the planner.
    arc_tolerance_mm : float
        Chord sagitta for :attr:`ArcSplit.CHORDS` (Grbl ``$12``).
    tool_change_s, spindle_ramp_s, dwell_overhead_s : float
        Time of a tool change, of a spindle start or speed change, and added to every dwell.
    description, source : str
        What the machine is, and where the numbers come from.
    """

    name: str
    controller: Controller = Controller.GENERIC
    max_velocity_mm_min: tuple[float, float, float] = (5000.0, 5000.0, 1000.0)
    max_acceleration_mm_s2: tuple[float, float, float] = (200.0, 200.0, 100.0)
    max_jerk_mm_s3: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rapid_mm_min: tuple[float, float, float] = (5000.0, 5000.0, 1000.0)
    steps_per_mm: tuple[float, float, float] = (0.0, 0.0, 0.0)
    max_linear_velocity_mm_min: float = 0.0
    blending: Blending = Blending.JUNCTION_DEVIATION
    junction_deviation_mm: float = 0.01
    blend_tolerance_mm: float = 0.0
    lookahead_blocks: int = 15
    block_rate_hz: float = 0.0
    step_timer_hz: float = 0.0
    servo_period_s: float = 0.0
    stop_overhead_s: float = 0.0
    arc_split: ArcSplit = ArcSplit.CHORDS
    arc_tolerance_mm: float = 0.002
    tool_change_s: float = 0.0
    spindle_ramp_s: float = 0.0
    dwell_overhead_s: float = 0.0
    description: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise MachineError(f"machine name must be a non-empty string, got {self.name!r}")
        s = object.__setattr__
        s(self, "controller", _enum(Controller, "controller", self.controller))
        s(self, "blending", _enum(Blending, "blending", self.blending))
        s(self, "arc_split", _enum(ArcSplit, "arcs.split", self.arc_split))
        s(self, "max_velocity_mm_min", _triple("max_velocity_mm_min", self.max_velocity_mm_min))
        s(self, "max_acceleration_mm_s2", _triple("max_acceleration_mm_s2", self.max_acceleration_mm_s2))
        s(self, "max_jerk_mm_s3", _triple("max_jerk_mm_s3", self.max_jerk_mm_s3, allow_zero=True))
        s(self, "rapid_mm_min", _triple("rapid_mm_min", self.rapid_mm_min))
        s(self, "steps_per_mm", _triple("steps_per_mm", self.steps_per_mm, allow_zero=True))
        for f in (
            "max_linear_velocity_mm_min",
            "junction_deviation_mm",
            "blend_tolerance_mm",
            "block_rate_hz",
            "step_timer_hz",
            "servo_period_s",
            "stop_overhead_s",
            "tool_change_s",
            "spindle_ramp_s",
            "dwell_overhead_s",
        ):
            s(self, f, _nonneg(f, getattr(self, f)))
        if not (float(self.arc_tolerance_mm) > 0 and math.isfinite(float(self.arc_tolerance_mm))):
            raise MachineError(f"arc_tolerance_mm must be finite and > 0, got {self.arc_tolerance_mm!r}")
        s(self, "arc_tolerance_mm", float(self.arc_tolerance_mm))
        la = self.lookahead_blocks
        if isinstance(la, bool) or not isinstance(la, int) or la < 1:
            raise MachineError(f"lookahead_blocks must be an integer >= 1, got {la!r}")

    @property
    def jerk_limited(self) -> bool:
        """True when any axis has a jerk limit."""
        return any(j > 0 for j in self.max_jerk_mm_s3)

    @classmethod
    def from_toml(cls, text: str, *, origin: str = "<string>") -> Machine:
        """Build a machine from TOML text (the layout in the module docstring)."""
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise MachineError(f"{origin}: not valid TOML ({e})") from None
        return cls.from_dict(doc, origin=origin)

    @classmethod
    def from_dict(cls, doc: dict[str, Any], *, origin: str = "<dict>") -> Machine:
        """Build a machine from the parsed TOML table; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        sections = {
            "axes": {
                "max_velocity_mm_min",
                "max_acceleration_mm_s2",
                "max_jerk_mm_s3",
                "rapid_mm_min",
                "steps_per_mm",
            },
            "motion": {
                "max_linear_velocity_mm_min",
                "blending",
                "junction_deviation_mm",
                "blend_tolerance_mm",
                "lookahead_blocks",
                "block_rate_hz",
                "step_timer_hz",
                "servo_period_s",
                "stop_overhead_s",
            },
            "arcs": {"split", "tolerance_mm"},
            "times": {"tool_change_s", "spindle_ramp_s", "dwell_overhead_s"},
        }
        kw: dict[str, Any] = {}
        for key, value in doc.items():
            if key in sections:
                if not isinstance(value, dict):
                    raise MachineError(f"{origin}: [{key}] must be a table")
                for k, v in value.items():
                    if k not in sections[key]:
                        accepted = ", ".join(sorted(sections[key]))
                        raise MachineError(f"{origin}: unknown key {key}.{k}; accepted: {accepted}")
                    name = {"split": "arc_split", "tolerance_mm": "arc_tolerance_mm"}.get(k, k) if key == "arcs" else k
                    kw[name] = v
            elif key in ("name", "description", "source", "controller"):
                kw[key] = value
            else:
                accepted = ", ".join(["name", "description", "source", "controller", *sections])
                raise MachineError(f"{origin}: unknown key {key!r}; accepted: {accepted}")
        if "name" not in kw:
            raise MachineError(f"{origin}: a machine profile needs a name")
        if "axes" not in doc:
            raise MachineError(f"{origin}: a machine profile needs an [axes] table")
        assert set(kw) <= known
        return cls(**kw)


def _shipped() -> dict[str, Any]:
    root = resources.files("sim") / "machines"
    return {p.name[: -len(".toml")]: p for p in root.iterdir() if p.name.endswith(".toml")}


def machines() -> list[str]:
    """Names of the shipped machine profiles, sorted.

    Examples
    --------
    >>> "grbl-router" in machines()
    True
    """
    return sorted(_shipped())


def load_machine(name_or_path: str | Path | Machine) -> Machine:
    """Load a shipped profile by name, or a TOML profile file by path.

    Parameters
    ----------
    name_or_path : str or Path or Machine
        A name from :func:`machines`, a path to a ``.toml`` file, or a Machine (returned as is).

    Raises
    ------
    MachineError
        Unknown name (the message lists the accepted ones), unreadable or invalid file.

    Examples
    --------
    >>> load_machine("grbl-router").junction_deviation_mm
    0.01
    """
    if isinstance(name_or_path, Machine):
        return name_or_path
    shipped = _shipped()
    key = str(name_or_path)
    if isinstance(name_or_path, str) and key in shipped:
        return Machine.from_toml(shipped[key].read_text(encoding="utf-8"), origin=key)
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise MachineError(f"cannot read machine profile {str(path)!r}: {e.strerror}") from None
        return Machine.from_toml(text, origin=str(path))
    raise MachineError(f"unknown machine {key!r}; accepted: {', '.join(sorted(shipped))}, or a path to a .toml file")
