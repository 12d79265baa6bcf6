"""Atomic writes: all or nothing, with the permissions a plain open() gives."""

from __future__ import annotations

import os
import stat

import pytest

from toolpath.atomic import atomic_write, atomic_write_text


def test_written_file_has_umask_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        out = atomic_write_text(tmp_path / "a.ngc", "G0 X1\n")
    finally:
        os.umask(umask)
    assert out.read_text() == "G0 X1\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_failure_leaves_no_file_and_keeps_the_old_one(tmp_path):
    target = tmp_path / "b.ngc"
    target.write_text("old")

    def boom(tmp: str) -> None:
        with open(tmp, "w") as fh:
            fh.write("half")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        atomic_write(target, boom)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["b.ngc"]


def test_missing_folder_is_bad_input(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        atomic_write_text(tmp_path / "nope" / "c.ngc", "x")
