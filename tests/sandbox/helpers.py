"""Running code in the sandbox and checking that nothing of it outlived the run, shared by the sandbox tests
(not a test module). Every program carries a unique marker in its file name so leftovers can be found in
/proc."""

import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

from openended.sandbox import Limits, Sandbox


def _processes_with(marker: str) -> list[int]:
    found = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if marker.encode() in (p / "cmdline").read_bytes():
                    found.append(int(p.name))
            except OSError:
                pass
    return found


def run(tmp_path, data, code, **limits):
    marker = f"hostile_{uuid.uuid4().hex[:12]}"
    sandbox = Sandbox(Limits(**{"timeout_s": 20, **limits}))
    result = sandbox.run(textwrap.dedent(code), tmp_path / "ws", data, filename=f"{marker}.py")
    time.sleep(0.2)
    assert _processes_with(marker) == [], "a process of the sandboxed code outlived the run"
    # the harness is alive and can still start processes
    assert subprocess.run([sys.executable, "-c", "print(1)"], capture_output=True, text=True).stdout == "1\n"
    return result
