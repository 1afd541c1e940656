"""How long the quick tour takes: every system's seconds and the whole, with the machine it ran on.

    python benchmarks/tour/time_tour.py                       # runs `openended tour` in a scratch folder
    python benchmarks/tour/time_tour.py --existing tour --wall-s 441   # records a tour already run

-> benchmarks/results/tour-cpu.json. The README's quick-start quotes the total; the target is ten minutes on a
2-core machine with the environment installed (installing is not timed here).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "results"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--existing", type=Path, help="a tour output folder already run (its tour.json)")
    p.add_argument("--wall-s", type=float, help="with --existing: the measured wall time of that tour")
    p.add_argument("--out", type=Path, default=RESULTS / "tour-cpu.json")
    a = p.parse_args()
    from openended.core.runs import provenance

    if a.existing:
        if a.wall_s is None:
            raise SystemExit("--existing needs --wall-s (the tour's own wall time)")
        folder, wall = a.existing, a.wall_s
    else:
        from openended.tour import run_tour

        folder = Path(tempfile.mkdtemp(prefix="tour-"))
        start = time.perf_counter()
        if run_tour(folder) != 0:
            raise SystemExit(f"a system failed: see {folder / 'tour.json'}")
        wall = time.perf_counter() - start
    rows = json.loads((folder / "tour.json").read_text())
    result = {
        **provenance(),
        "what": "openended tour: every system's quick entry on embedded defaults, environment installed",
        "wall_s": round(wall, 1),
        "systems_s": {name: row.get("seconds") for name, row in rows.items()},
        "status": {name: row.get("status") for name, row in rows.items()},
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: result[k] for k in ("wall_s", "systems_s")}, indent=1))


if __name__ == "__main__":
    main()
