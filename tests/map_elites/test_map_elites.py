"""The MAP-Elites loop: it fills the archive, improves, and resumes exactly after a kill."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from openended.core.archive import GridArchive
from openended.core.commands import execute
from openended.core.runs import read_meta, read_metrics
from openended.map_elites import arm
from openended.map_elites.cli import EXPERIMENT
from openended.map_elites.config import MapElitesConfig
from openended.map_elites.map_elites import checkpoint_state, make_archive, variation


def test_map_elites_fills_the_archive_and_improves(tmp_path):
    path = execute(EXPERIMENT, MapElitesConfig(iterations=200, bins=20), root=tmp_path, name="r")
    rows = read_metrics(path)
    assert rows[-1]["step"] == 200 and rows[-1]["evaluations"] == 20000
    assert rows[-1]["coverage"] > rows[0]["coverage"] and rows[-1]["qd_score"] > rows[0]["qd_score"]
    archive = GridArchive.load(path / "artifacts" / "archive.npz")
    assert len(archive) == rows[-1]["num_elites"]
    # Every stored elite really sits in its cell with its objective.
    sols = np.stack([e.solution for e in archive])
    obj, meas = arm.evaluate(sols)
    np.testing.assert_allclose(obj, [e.objective for e in archive])
    assert [archive.cell_of(m) for m in meas] == [e.cell for e in archive]
    assert (path / "report.html").is_file() and (path / "artifacts" / "archive_heatmap.png").is_file()


def _cli(*args):
    return [sys.executable, "-m", "openended", "map-elites", "run", *args]


@pytest.mark.slow
def test_killed_run_resumes_from_its_last_checkpoint(tmp_path):
    # Large batches make each iteration slow enough to kill the run mid-way.
    flags = [
        "--iterations",
        "300",
        "--batch-size",
        "3000",
        "--checkpoint-every",
        "10",
        "--log-every",
        "5",
        "--bins",
        "30",
        "--no-report",
        "--runs-root",
        str(tmp_path),
    ]
    env = {**os.environ, "OPENENDED_PROGRESS": "0"}
    proc = subprocess.Popen(
        _cli(*flags, "--name", "killed"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    ckpts = tmp_path / "killed" / "checkpoints"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(ckpts.glob("step_*.npz"))) < 3:
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    meta = read_meta(tmp_path / "killed")
    assert meta["status"] == "running"  # it never got to finish
    last = max(int(p.stem[5:]) for p in ckpts.glob("step_*.npz"))
    assert 0 < last < 300

    resumed = subprocess.run(
        _cli("--resume", str(tmp_path / "killed"), "--no-report"), env=env, capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    meta = read_meta(tmp_path / "killed")
    assert meta["status"] == "finished" and meta["resumes"] == 1 and meta["resumed_from_step"] == last

    # The resumed run equals one that was never interrupted: same metrics, same final archive.
    fresh = subprocess.run(_cli(*flags, "--name", "fresh"), env=env, capture_output=True, text=True)
    assert fresh.returncode == 0, fresh.stderr

    def strip_time(rows):
        return [{k: v for k, v in r.items() if k != "time"} for r in rows]

    assert strip_time(read_metrics(tmp_path / "killed")) == strip_time(read_metrics(tmp_path / "fresh"))
    a = GridArchive.load(tmp_path / "killed" / "artifacts" / "archive.npz")
    b = GridArchive.load(tmp_path / "fresh" / "artifacts" / "archive.npz")
    np.testing.assert_array_equal(a.objective_grid(), b.objective_grid())
    assert json.loads((tmp_path / "killed" / "config.json").read_text())["batch_size"] == 3000


def test_variation_stays_in_bounds_and_zero_noise_copies_elites():
    cfg = MapElitesConfig(dof=3, bins=5, batch_size=64, variation="gaussian", sigma=0.0)
    archive = make_archive(cfg)
    rng = np.random.default_rng(0)
    genomes = rng.uniform(size=(20, 3))
    objectives, measures = arm.evaluate(genomes)
    archive.add_batch(genomes, measures, objectives)
    elites = {tuple(e.solution) for e in archive}
    copies = variation(archive, cfg, rng)
    assert copies.shape == (64, 3) and {tuple(c) for c in copies} <= elites
    wild = variation(archive, cfg.replace(variation="iso_line", iso_sigma=5.0, line_sigma=5.0), rng)
    assert wild.min() == 0.0 and wild.max() == 1.0  # clipped to the genome bounds


def test_checkpoint_state_restores_the_random_stream_and_the_archive():
    cfg = MapElitesConfig(bins=4)
    rng = np.random.default_rng(3)
    state = checkpoint_state(make_archive(cfg), rng)
    expected = rng.uniform(size=5)
    other = np.random.default_rng(99)
    other.bit_generator.state = state["rng"]
    np.testing.assert_array_equal(other.uniform(size=5), expected)
    assert GridArchive.from_state_dict(state["archive"]).shape == (4, 4)
