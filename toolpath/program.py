"""Operations (a tool running a toolpath) and programs (operations in order)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .enums import Coolant
from .errors import InputError
from .moves import Toolpath
from .tool import Tool

__all__ = ["Operation", "Program"]


@dataclass(frozen=True)
class Operation:
    """One tool running one toolpath.

    Parameters
    ----------
    tool : Tool
        The cutter.
    toolpath : Toolpath
        Its moves; the first starts where the machine is when the operation begins.
    spindle_rpm : float
        Spindle speed in rev/min, >= 0 (0 leaves the spindle off).
    coolant : Coolant
        Coolant state during the operation.
    name : str
        A label (written as a comment).
    clockwise : bool
        Spindle direction (M3 when true, M4 otherwise).
    """

    tool: Tool
    toolpath: Toolpath
    spindle_rpm: float = 10000.0
    coolant: Coolant = Coolant.OFF
    name: str = ""
    clockwise: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.tool, Tool):
            raise InputError(f"operation tool must be a Tool, got {self.tool!r}")
        if not isinstance(self.toolpath, Toolpath):
            raise InputError(f"operation toolpath must be a Toolpath, got {type(self.toolpath).__name__}")
        rpm = float(self.spindle_rpm)
        if not (rpm >= 0 and math.isfinite(rpm)):
            raise InputError(f"spindle_rpm must be >= 0, got {self.spindle_rpm!r}")
        object.__setattr__(self, "spindle_rpm", rpm)
        try:
            object.__setattr__(self, "coolant", Coolant(self.coolant))
        except ValueError:
            accepted = ", ".join(c.value for c in Coolant)
            raise InputError(f"coolant must be one of {accepted}, got {self.coolant!r}") from None


@dataclass(frozen=True)
class Program:
    """Operations run in order on one machine.

    Parameters
    ----------
    operations : sequence of Operation
        In the order they run.
    name : str
        Program name (written as a comment).
    start_xyz : tuple of 3 floats
        Where the machine stands when the program starts, mm (default the
        origin at the clearance height).
    clearance_z_mm : float
        Height above all material where rapids are safe, mm.
    """

    operations: tuple[Operation, ...]
    name: str = "toolpath"
    clearance_z_mm: float = 5.0
    start_xyz: tuple[float, float, float] | None = None
    metadata: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ops = tuple(self.operations)
        for op in ops:
            if not isinstance(op, Operation):
                raise InputError(f"program operations must be Operation, got {type(op).__name__}")
        object.__setattr__(self, "operations", ops)
        if not math.isfinite(float(self.clearance_z_mm)):
            raise InputError(f"clearance_z_mm must be finite, got {self.clearance_z_mm!r}")
        if self.start_xyz is None:
            object.__setattr__(self, "start_xyz", (0.0, 0.0, float(self.clearance_z_mm)))
        else:
            s = tuple(float(v) for v in self.start_xyz)
            if len(s) != 3 or not all(math.isfinite(v) for v in s):
                raise InputError(f"start_xyz must be three finite numbers, got {self.start_xyz!r}")
            object.__setattr__(self, "start_xyz", s)

    @property
    def toolpath(self) -> Toolpath:
        """All moves of all operations, concatenated."""
        return Toolpath.concat([op.toolpath for op in self.operations])

    def operation_starts(self) -> list[tuple[float, float, float]]:
        """Where each operation's first move starts, mm."""
        pos = self.start_xyz
        out = []
        for op in self.operations:
            out.append(pos)
            if len(op.toolpath):
                pos = tuple(op.toolpath.xyz[-1].tolist())  # type: ignore[assignment]
        return out  # type: ignore[return-value]

    def length_mm(self) -> float:
        """Total path length including rapids, mm."""
        return float(
            sum(op.toolpath.length_mm(s) for op, s in zip(self.operations, self.operation_starts(), strict=True))
        )

    def moves(self) -> int:
        """Number of moves of all operations."""
        return int(sum(len(op.toolpath) for op in self.operations))

    def tools(self) -> list[Tool]:
        """Distinct tools in order of first use."""
        seen: list[Tool] = []
        for op in self.operations:
            if op.tool not in seen:
                seen.append(op.tool)
        return seen

    @classmethod
    def single(cls, tool: Tool, toolpath: Toolpath, **kw: object) -> Program:
        """A program of one operation."""
        op_kw = {k: kw.pop(k) for k in ("spindle_rpm", "coolant") if k in kw}
        return cls((Operation(tool, toolpath, **op_kw),), **kw)  # type: ignore[arg-type]


