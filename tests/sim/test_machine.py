"""Machine profiles: shipped files, user files, validation."""

from __future__ import annotations

import dataclasses

import pytest

from sim.machine import ArcSplit, Blending, Controller, Machine, load_machine, machines
from toolpath.errors import CamError, MachineError

SHIPPED = {"grbl-router", "linuxcnc-sim", "industrial-vmc", "hobby-router"}


def test_shipped_profiles_are_listed_and_load():
    assert SHIPPED <= set(machines())
    for name in machines():
        m = load_machine(name)
        assert m.name == name
        assert m.source, f"{name} must cite its source"


def test_grbl_router_has_the_reference_settings():
    # shared/reference/grbl/README.md: $110=$111=5000, $112=1000, $120=$121=200, $122=100, $11=0.01, $12=0.002
    m = load_machine("grbl-router")
    assert m.controller is Controller.GRBL
    assert m.max_velocity_mm_min == (5000.0, 5000.0, 1000.0)
    assert m.max_acceleration_mm_s2 == (200.0, 200.0, 100.0)
    assert m.steps_per_mm == (250.0, 250.0, 250.0)
    assert m.junction_deviation_mm == 0.01
    assert m.arc_tolerance_mm == 0.002
    assert m.lookahead_blocks == 15
    assert m.step_timer_hz == 16e6  # F_CPU
    assert m.blending is Blending.JUNCTION_DEVIATION
    assert m.arc_split is ArcSplit.CHORDS


def test_linuxcnc_sim_has_the_reference_settings():
    m = load_machine("linuxcnc-sim")
    assert m.controller is Controller.LINUXCNC
    assert m.max_velocity_mm_min == pytest.approx((30.48 * 60,) * 3)
    assert m.max_acceleration_mm_s2 == (508.0, 508.0, 508.0)
    assert m.max_linear_velocity_mm_min == pytest.approx(53.34 * 60)
    assert m.servo_period_s == 0.001
    assert m.arc_split is ArcSplit.NATIVE


def test_industrial_vmc_is_jerk_limited():
    assert load_machine("industrial-vmc").jerk_limited
    assert not load_machine("grbl-router").jerk_limited


def test_unknown_name_lists_accepted_ones():
    with pytest.raises(MachineError) as e:
        load_machine("no-such-machine")
    msg = str(e.value)
    assert "no-such-machine" in msg
    for name in SHIPPED:
        assert name in msg
    assert isinstance(e.value, CamError) and isinstance(e.value, ValueError)


def test_user_file_by_path(tmp_path):
    p = tmp_path / "mine.toml"
    p.write_text(
        'name = "mine"\nsource = "test"\n[axes]\nmax_velocity_mm_min = [1000, 1000, 500]\n'
        "max_acceleration_mm_s2 = [50, 50, 20]\nrapid_mm_min = [2000, 2000, 600]\n"
        '[motion]\nblending = "exact_stop"\nlookahead_blocks = 4\n[times]\ntool_change_s = 12.5\n'
    )
    m = load_machine(p)
    assert m.name == "mine"
    assert m.blending is Blending.EXACT_STOP
    assert m.lookahead_blocks == 4
    assert m.tool_change_s == 12.5
    assert load_machine(str(p)) == m
    assert load_machine(m) is m


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('name = "x"\n[axes]\nmax_acceleration_mm_s2 = [200, -1, 100]\n', "max_acceleration_mm_s2"),
        ('name = "x"\n[axes]\nmax_velocity_mm_min = [1, 2]\n', "max_velocity_mm_min"),
        ('name = "x"\n[axes]\n[motion]\nblending = "fast"\n', "blending"),
        ('name = "x"\n[axes]\n[motion]\nlookahead_blocks = 0\n', "lookahead_blocks"),
        ('name = "x"\n[axes]\n[motion]\nwarp = 9\n', "motion.warp"),
        ('name = "x"\nextra = 1\n[axes]\n', "extra"),
        ("[axes]\n", "name"),
        ('name = "x"\n', "[axes]"),
        ('name = "x"\n[axes\n', "TOML"),
    ],
)
def test_invalid_profiles_name_the_problem(tmp_path, text, fragment):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(MachineError, match=None) as e:
        load_machine(p)
    assert fragment in str(e.value)


def test_missing_file_is_a_machine_error(tmp_path):
    with pytest.raises(MachineError, match="cannot read"):
        load_machine(tmp_path / "absent.toml")


def test_machine_is_frozen_and_replace_validates():
    m = load_machine("grbl-router")
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.name = "other"  # type: ignore[misc]
    with pytest.raises(MachineError):
        dataclasses.replace(m, junction_deviation_mm=-0.1)
    assert dataclasses.replace(m, junction_deviation_mm=0.05).junction_deviation_mm == 0.05


def test_direct_construction_defaults():
    m = Machine("bare")
    assert m.controller is Controller.GENERIC
    assert m.lookahead_blocks >= 1
