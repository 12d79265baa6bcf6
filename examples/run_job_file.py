"""Run a job file (examples/bracket_job.toml): stock, two tools, two operations, dialect and machine as data.

The same as ``toolpath mill examples/bracket_job.toml -o OUT_DIR/bracket_job.nc --json OUT_DIR/bracket_job.json``.
Run: ``python examples/run_job_file.py [OUT_DIR] [JOB.toml]`` (default: a new temporary folder and the
bundled job).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from toolpath.cli import run_job_file
from toolpath.jobfile import load_job

JOB = Path(__file__).with_name("bracket_job.toml")


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(tempfile.mkdtemp(prefix="toolpath-example-"))
    out.mkdir(parents=True, exist_ok=True)
    job = load_job(argv[2] if len(argv) > 2 else JOB)  # checks every key; nothing in the file is executed
    print(f"{job.source.name}: {job.part.name}, tools {', '.join(job.tools)}, "
          f"{len(job.operations)} operations, {job.dialect} on {job.machine}")
    res = run_job_file(job, output=out / "bracket_job.nc")
    (out / "bracket_job.json").write_text(json.dumps(res.report, indent=2) + "\n")
    for op in res.report["operations"]:
        print(f"  {op['name']}: {op['moves']} moves, {op['path_length_mm']:.0f} mm, {op['cycle_time_s']:.1f} s")
    print(f"total {res.report['cycle_time_s']:.1f} s planned ({res.report['naive_time_s']:.1f} s length/feed) "
          f"-> {res.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
