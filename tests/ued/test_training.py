"""End-to-end UED runs on CPU: every algorithm's smoke run, learning on easy mazes, resume."""

import json
import shutil

import jax
import numpy as np
import pytest

from openended.cli import main
from openended.core.commands import execute
from openended.core.runs import read_meta, read_metrics
from openended.ued.cli import EASY_EVAL, EXPERIMENT, tour_config
from openended.ued.config import PLRConfig, PPOConfig, UEDConfig


def tiny(algorithm, **kw):
    return UEDConfig(
        algorithm=algorithm,
        num_envs=8,
        num_steps=32,
        num_updates=12,
        max_episode_steps=32,
        n_walls=8,
        eval_every=6,
        log_every=3,
        checkpoint_every=6,
        eval_attempts=2,
        eval_random_levels=4,
        eval_levels=("SmallRoom", "Detour"),
        **{"ppo": PPOConfig(lstm_features=16, lr=1e-3), "plr": PLRConfig(capacity=16), **kw},
    )


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


@pytest.mark.parametrize(
    ("algorithm", "learns_on_new_levels"),
    [("dr", True), ("plr", True), ("robust_plr", False), ("accel", False)],
)
def test_gradient_updates_follow_the_algorithm(algorithm, learns_on_new_levels):
    from openended.ued.experiment import make_trainer

    trainer = make_trainer(tiny(algorithm))
    state = trainer.init(jax.random.PRNGKey(0))

    def changed(before, after):
        pairs = zip(
            jax.tree_util.tree_leaves(before.train.params),
            jax.tree_util.tree_leaves(after.train.params),
            strict=True,
        )
        return any(not np.array_equal(a, b) for a, b in pairs)

    if not trainer.uses_buffer:  # DR: every update is on new levels, and learns; no buffer in its state
        after, _ = trainer.step(state)
        assert changed(state, after) and not hasattr(after, "sampler")
        return
    after_new, _ = jax.jit(trainer._on_new)(state, jax.random.PRNGKey(1))
    assert changed(state, after_new) == learns_on_new_levels  # PLR⊥ and ACCEL: no gradient on new levels
    if trainer.uses_buffer:
        assert int(after_new.sampler.size) > 0
        after_replay, _ = jax.jit(trainer._on_replay)(after_new, jax.random.PRNGKey(2))
        assert changed(after_new, after_replay)  # replayed levels always train the student
        assert bool(after_replay.mutate_next) == (algorithm == "accel")
        if algorithm == "accel":
            after_mutate, _ = jax.jit(trainer._on_mutate)(after_replay, jax.random.PRNGKey(3))
            assert not changed(after_replay, after_mutate) and not bool(after_mutate.mutate_next)


def test_robust_plr_improves_held_out_solve_rate_on_easy_mazes(tmp_path):
    cfg = tour_config().replace(num_updates=300, eval_every=300, seed=0)
    assert cfg.eval_levels == EASY_EVAL
    path = execute(EXPERIMENT, cfg, root=tmp_path, name="learn", report=False)
    evals = [r for r in read_metrics(path) if "heldout_solve_rate" in r]
    before, after = evals[0], evals[-1]
    assert before["heldout_solve_rate"] <= 0.1
    assert after["heldout_solve_rate"] >= before["heldout_solve_rate"] + 0.3
    assert after["random_solve_rate"] >= before["random_solve_rate"] + 0.4


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


def test_cli_train_eval_render(tmp_path, capsys):
    args = [
        "ued",
        "train",
        "--algorithm",
        "dr",
        "--num-envs",
        "4",
        "--num-steps",
        "16",
        "--num-updates",
        "4",
        "--max-episode-steps",
        "16",
        "--eval-every",
        "4",
        "--eval-attempts",
        "1",
        "--eval-random-levels",
        "2",
        "--ppo.lstm-features",
        "8",
        "--runs-root",
        str(tmp_path),
        "--name",
        "cli",
    ]
    assert main(args) == 0
    assert (
        main(["ued", "eval", str(tmp_path / "cli"), "--levels", "SmallRoom", "Corridor", "--attempts", "3"])
        == 0
    )
    out = capsys.readouterr().out
    assert "solve/Corridor" in out and (tmp_path / "cli" / "artifacts" / "eval_step4.json").is_file()
    meta = read_meta(tmp_path / "cli")
    assert meta["resumes"] == 0 and meta["status"] == "finished"  # evaluating leaves the run as it was
    assert main(["ued", "render", "--random", "3", "--walls", "20", "--out", str(tmp_path / "r.png")]) == 0
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["ued", "train", "--algorithm", "dr", "--eval-levels", "Nowhere"]) == 2


def test_paired_trains_protagonist_antagonist_and_teacher():
    from openended.ued.paired import PAIRED

    cfg = tiny("paired").replace(paired=tiny("paired").paired.replace(wall_budget=6))
    trainer = PAIRED(cfg)
    state = trainer.init(jax.random.PRNGKey(0))
    levels, traj = jax.jit(trainer._design)(jax.random.PRNGKey(1), state.teacher)
    assert np.asarray(jax.vmap(lambda lv: lv.is_well_formed())(levels)).all()
    assert traj.action.shape == (trainer.editor.episode_length, cfg.num_envs)
    after, metrics = trainer.step(state)

    def changed(a, b):
        pairs = zip(jax.tree_util.tree_leaves(a.params), jax.tree_util.tree_leaves(b.params), strict=True)
        return any(not np.array_equal(x, y) for x, y in pairs)

    assert changed(state.train, after.train) and changed(state.antagonist, after.antagonist)
    assert changed(state.teacher, after.teacher)
    assert np.isfinite(float(metrics["regret"])) and float(metrics["level_walls"]) <= 6


def test_unrolled_loops_compute_the_same_update():
    """``unroll`` only changes how many time steps run per loop iteration, not the result."""
    from openended.ued.dr import DomainRandomization

    results = []
    for unroll in (1, 4):
        trainer = DomainRandomization(tiny("dr", unroll=unroll))
        state = trainer.init(jax.random.PRNGKey(0))
        for _ in range(2):
            state, metrics = trainer.step(state)
        results.append((state.train.params, metrics["episode_return"]))
    (p1, r1), (p4, r4) = results
    np.testing.assert_allclose(r1, r4, rtol=1e-5)
    for a, b in zip(jax.tree_util.tree_leaves(p1), jax.tree_util.tree_leaves(p4), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_chunked_visits_continue_episodes_and_learn_after_each_piece():
    """``ppo.chunks`` cuts a level visit into pieces with an update after each: with a vanishing learning rate
    the visit's trajectory equals the uncut one (same actions, episodes and LSTM states run on), each piece's
    update starts from the LSTM state the piece started with (the recomputed policy matches the acting one:
    no KL), and the optimizer steps once per piece, epoch and minibatch."""
    from openended.ued.dr import DomainRandomization

    out = {}
    for chunks in (1, 4):
        cfg = tiny("dr", ppo=PPOConfig(lstm_features=16, lr=1e-30, chunks=chunks, minibatches=2))
        trainer = DomainRandomization(cfg)
        state = trainer.init(jax.random.PRNGKey(0))
        levels = trainer.new_levels(jax.random.PRNGKey(1))
        out[chunks] = jax.jit(trainer.student.visit_and_learn)(jax.random.PRNGKey(2), state.train, levels)
    (t1, traj1, adv1, _), (t4, traj4, adv4, info4) = out[1], out[4]
    assert traj4.action.shape == traj1.action.shape == (32, 8)
    np.testing.assert_array_equal(traj4.action, traj1.action)
    np.testing.assert_array_equal(traj4.done, traj1.done)
    np.testing.assert_allclose(traj4.value, traj1.value, rtol=1e-5, atol=1e-6)
    assert int(traj1.done.sum()) > 0 and not bool(traj4.reset[8:].all())  # episodes cross piece borders
    assert float(info4["approx_kl"]) < 1e-6
    assert int(t1.step) == 5 * 2 and int(t4.step) == 4 * 5 * 2
    # a piece's GAE bootstraps at its end instead of running on: advantages differ only there
    assert not np.allclose(adv4, adv1)


def test_chunks_must_divide_the_rollout_and_fit_the_algorithm():
    from openended.core.config import ConfigError

    with pytest.raises(ConfigError, match="chunks"):
        tiny("dr", ppo=PPOConfig(chunks=5))
    with pytest.raises(ConfigError, match="chunks"):
        tiny("paired", ppo=PPOConfig(chunks=2))


def test_short_rollouts_warn_that_estimated_scores_may_keep_levels_out():
    import warnings

    with pytest.warns(UserWarning, match="score -inf"):
        UEDConfig(algorithm="robust_plr", num_steps=128, max_episode_steps=250)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        UEDConfig(algorithm="robust_plr", num_steps=256, max_episode_steps=250)
        UEDConfig(algorithm="dr", num_steps=128, max_episode_steps=250)  # no buffer
        UEDConfig(algorithm="robust_plr", num_steps=128, plr=PLRConfig(score="oracle"))
