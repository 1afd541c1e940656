"""The UED training run: every algorithm's smoke run with its report, resume after a crash, the logged
summary, the trainer for each algorithm and checkpoints."""

import json
import shutil

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import struct

from openended.core.commands import execute
from openended.core.runs import read_meta, read_metrics
from openended.ued.accel import ACCEL
from openended.ued.cli import EXPERIMENT
from openended.ued.config import LEVEL_BUFFER_ALGORITHMS
from openended.ued.dr import DomainRandomization
from openended.ued.experiment import _summarize, from_checkpoint, make_trainer, to_checkpoint
from openended.ued.paired import PAIRED
from openended.ued.plr import PLR, RobustPLR
from openended.ued.remidi import ReMiDi
from tests.ued.helpers import tiny


@pytest.mark.parametrize("algorithm", ["dr", "plr", "robust_plr", "accel", "paired"])
def test_every_algorithm_runs_and_reports(tmp_path, algorithm):
    path = execute(EXPERIMENT, tiny(algorithm), root=tmp_path, name=algorithm)
    rows = read_metrics(path)
    assert rows[-1]["step"] == 12 and "heldout_solve_rate" in rows[-1]
    train_rows = [r for r in rows if "replay_fraction" in r]
    if algorithm == "paired":
        assert all("train/regret" in r and "train/teacher_entropy" in r for r in train_rows)
    if algorithm in ("dr", "paired"):
        assert all(r["replay_fraction"] == 0 for r in train_rows) and all(
            r["buffer_size"] == 0 for r in train_rows
        )
    else:
        assert train_rows[-1]["buffer_size"] > 0 and any(r["replay_fraction"] > 0 for r in train_rows)
    if algorithm == "accel":
        assert any(r["mutate_fraction"] > 0 for r in train_rows)
    html = (path / "report.html").read_text()
    assert "Held-out evaluation" in html and html.count("data:image/png;base64,") >= 3


def test_resume_continues_to_the_same_result(tmp_path):
    cfg = tiny("robust_plr")
    full = execute(EXPERIMENT, cfg, root=tmp_path, name="full", report=False)
    crashed = execute(EXPERIMENT, cfg, root=tmp_path, name="crashed", report=False)
    # Make "crashed" look like a run killed after its step-6 checkpoint.
    (crashed / "checkpoints" / "step_000000012.npz").unlink()
    meta = read_meta(crashed)
    meta["status"] = "running"
    (crashed / "run.json").write_text(json.dumps(meta))
    for png in (crashed / "artifacts").glob("*"):
        png.unlink()
    execute(EXPERIMENT, resume=crashed, report=False)
    assert read_meta(crashed)["resumed_from_step"] == 6

    def strip(rows):
        return [{k: v for k, v in r.items() if k not in ("time", "updates_per_s")} for r in rows]

    assert strip(read_metrics(crashed)) == strip(read_metrics(full))
    a = np.load(full / "checkpoints" / "step_000000012.npz")
    b = np.load(crashed / "checkpoints" / "step_000000012.npz")
    for key in a.files:
        if key != "__tree__":
            np.testing.assert_array_equal(a[key], b[key])
    shutil.rmtree(full)


def test_summary_of_logged_updates_by_hand():
    nan = float("nan")
    rows = [
        {"branch": 0, "buffer_size": 3, "episodes": 5, "policy_loss": nan, "episode_return": 0.5, "kl": nan},
        {"branch": 1, "buffer_size": 4, "episodes": 2, "policy_loss": 0.2, "episode_return": 1.0, "kl": nan},
        {"branch": 2, "buffer_size": 6, "episodes": 1, "policy_loss": nan, "episode_return": 0.0, "kl": nan},
        {"branch": 1, "buffer_size": 6, "episodes": 0, "policy_loss": 0.4, "episode_return": 0.5, "kl": nan},
    ]
    out = _summarize([{k: np.asarray(v) for k, v in r.items()} for r in rows])
    assert set(out) == {
        "replay_fraction",
        "mutate_fraction",
        "buffer_size",
        "train/policy_loss",
        "train/episode_return",
        "train/kl",
    }
    assert out["replay_fraction"] == 0.5 and out["mutate_fraction"] == 0.25
    assert out["buffer_size"] == 6.0  # the last update's, not a mean
    assert out["train/policy_loss"] == pytest.approx(0.3)  # updates that did not learn (NaN) are skipped
    assert out["train/episode_return"] == pytest.approx(0.5)
    assert np.isnan(out["train/kl"])  # no update learned: NaN, not an error


def test_make_trainer_picks_the_algorithm_and_only_buffer_algorithms_own_a_buffer():
    expected = {
        "dr": DomainRandomization,
        "plr": PLR,
        "robust_plr": RobustPLR,
        "accel": ACCEL,
        "paired": PAIRED,
        "remidi": ReMiDi,
    }
    for algorithm, cls in expected.items():
        trainer = make_trainer(tiny(algorithm))
        assert type(trainer) is cls
        assert trainer.uses_buffer == (algorithm in LEVEL_BUFFER_ALGORITHMS)


def test_checkpoint_round_trip_restores_the_state_into_its_template():
    @struct.dataclass
    class State:
        params: dict
        step: jax.Array

    state = State({"w": jnp.arange(6.0).reshape(2, 3), "b": jnp.ones(3)}, jnp.int32(7))
    saved = to_checkpoint(state)
    assert isinstance(saved["params"]["w"], np.ndarray)  # host arrays, ready for save_tree
    template = State({"w": jnp.zeros((2, 3)), "b": jnp.zeros(3)}, jnp.int32(0))
    restored = from_checkpoint(template, saved)
    np.testing.assert_array_equal(restored.params["w"], state.params["w"])
    np.testing.assert_array_equal(restored.params["b"], state.params["b"])
    assert int(restored.step) == 7 and isinstance(restored.step, jax.Array)
