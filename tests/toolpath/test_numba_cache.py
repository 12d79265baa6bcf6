"""refresh_cache: a jitted caller whose callee lives in another file runs the callee's new code after the
callee's file is edited (Numba alone would load the caller's stale cached machine code)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from toolpath.numba_cache import STAMP_NAME, cache_dirs, refresh_cache, sources_hash

A = "from numba import njit\n\n\n@njit(cache=True)\ndef f():\n    return {}\n"
B = "from numba import njit\n\nfrom .a import f\n\n\n@njit(cache=True)\ndef g():\n    return f() + 10\n"
RUN = textwrap.dedent("""
    import sys
    from pathlib import Path
    import pkg
    if sys.argv[1] == "refresh":
        from toolpath.numba_cache import refresh_cache
        refresh_cache(Path(pkg.__file__).parent)
    from pkg.b import g
    print(g())
""")


def _run(root: Path, how: str) -> int:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), *sys.path]))
    env.pop("NUMBA_CACHE_DIR", None)
    out = subprocess.run([sys.executable, "-c", RUN, how], cwd=root, env=env, capture_output=True, text=True,
                         check=True)
    return int(out.stdout.split()[-1])


def _package(root: Path, value: int) -> Path:
    pkg = root / "pkg"
    pkg.mkdir(exist_ok=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text(A.format(value))
    (pkg / "b.py").write_text(B)
    return pkg


def test_caller_sees_edited_callee(tmp_path: Path) -> None:
    pkg = _package(tmp_path, 1)
    assert _run(tmp_path, "refresh") == 11  # compiled and cached
    assert (pkg / "__pycache__" / STAMP_NAME).read_text().strip() == sources_hash(pkg)
    assert any(p.suffix == ".nbi" and p.name.startswith("b.") for p in (pkg / "__pycache__").iterdir())
    (pkg / "a.py").write_text(A.format(2))  # the callee changes, the caller's file does not
    assert _run(tmp_path, "refresh") == 12
    assert _run(tmp_path, "refresh") == 12  # and stays right once recached


def test_refresh_only_when_sources_change(tmp_path: Path) -> None:
    pkg = _package(tmp_path, 3)
    cache = cache_dirs(pkg)[0]  # the package's __pycache__, or NUMBA_CACHE_DIR's mirror of it when that is set
    assert refresh_cache(pkg) == 0  # no cache yet: the stamp is written, nothing to delete
    assert (cache / STAMP_NAME).is_file()
    (cache / "b.g-6.py311.nbi").write_bytes(b"x")  # stand-ins for Numba's files
    (cache / "b.g-6.py311.1.nbc").write_bytes(b"x")
    (cache / "other.f-1.py311.nbi").write_bytes(b"x")  # not a module of this directory: kept
    assert refresh_cache(pkg) == 0  # sources unchanged: kept
    assert (cache / "b.g-6.py311.nbi").is_file()
    (pkg / "a.py").write_text(A.format(4))
    assert refresh_cache(pkg) == 2
    assert not (cache / "b.g-6.py311.nbi").exists() and (cache / "other.f-1.py311.nbi").is_file()
    assert (cache / STAMP_NAME).read_text().strip() == sources_hash(pkg)


def test_stale_without_refresh_is_what_numba_does(tmp_path: Path) -> None:
    """The hazard itself (documents why refresh_cache exists): without it the caller keeps the old callee.
    Should Numba ever track cross-file callees, the caller reads 12 and this test says so."""
    _package(tmp_path, 1)
    assert _run(tmp_path, "plain") == 11
    (tmp_path / "pkg" / "a.py").write_text(A.format(2))
    assert _run(tmp_path, "plain") in (11, 12)
    assert _run(tmp_path, "refresh") == 12
