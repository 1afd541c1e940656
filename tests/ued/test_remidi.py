"""ReMiDi: the overlap check against earlier buffers (divergence step, loss mask) and smoke runs."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from openended.core.commands import execute
from openended.core.runs import read_metrics
from openended.ued.cli import REMIDI
from openended.ued.config import DomainConfig
from openended.ued.domains import LeverLevel, make_domain
from openended.ued.level import from_str
from openended.ued.maze import FORWARD, Maze
from openended.ued.ppo import Transition
from openended.ued.remidi import divergence_step, post_divergence_mask
from tests.ued.helpers import tiny_remidi


def play(env, level, actions):
    """The time-major (T, 1) trajectory of ``actions`` on ``level`` (only the fields the check reads)."""
    obs, state = env.reset_to_level(level)
    images, dirs = [], []
    for a in actions:
        images.append(obs.image)
        dirs.append(obs.agent_dir)
        obs, state, *_ = env.step(state, jnp.int32(a))
    n = len(actions)
    z = jnp.zeros((n, 1))
    return Transition(
        jnp.stack(images)[:, None], jnp.stack(dirs)[:, None], z, jnp.array(actions)[:, None], z, z, z, z
    )


def stacked(*levels):
    return jax.tree_util.tree_map(lambda *x: jnp.stack(x), *levels)


# -- the overlap check --------------------------------------------------------------------------------------
def test_identical_histories_are_fully_consistent_and_a_shown_lever_diverges_at_once():
    env = make_domain(DomainConfig(name="lever"), 0, 250).env
    earlier = stacked(
        LeverLevel(jnp.int32(3), jnp.bool_(True), jnp.int32(0)),
        LeverLevel(jnp.int32(0), jnp.bool_(False), jnp.int32(0)),
    )
    valid = jnp.array([True, True])
    hidden = play(env, LeverLevel(jnp.int32(7), jnp.bool_(True), jnp.int32(0)), [1, 2, 3, 4])
    assert int(divergence_step(env, hidden, earlier, valid)[0]) == 4  # = T: rejected
    shown = play(env, LeverLevel(jnp.int32(5), jnp.bool_(False), jnp.int32(0)), [1, 2, 3, 4])
    assert int(divergence_step(env, shown, earlier, valid)[0]) == 0
    # the same shown lever as an earlier level: consistent; an invalid (empty) slot never counts
    same = play(env, LeverLevel(jnp.int32(0), jnp.bool_(False), jnp.int32(0)), [1, 2, 3, 4])
    assert int(divergence_step(env, same, earlier, valid)[0]) == 4
    assert int(divergence_step(env, same, earlier, jnp.array([True, False]))[0]) == 0


def test_history_diverging_at_step_t_is_accepted_and_masked_from_t():
    env = Maze(max_steps=50)
    row = "." * 13
    a = from_str(f"{row}\n.>{'.' * 10}G\n{row}")
    b = from_str(f"{row}\n.>.....#....G\n{row}")  # a wall at x=7, seen when the agent reaches x=3
    traj = play(env, a, [FORWARD] * 6)
    d = divergence_step(env, traj, stacked(b), jnp.array([True]))
    assert int(d[0]) == 2
    mask = post_divergence_mask(d, 6)
    np.testing.assert_array_equal(np.asarray(mask[:, 0]), [0, 0, 1, 1, 1, 1])
    # the level itself matches throughout: fully consistent
    assert int(divergence_step(env, traj, stacked(a), jnp.array([True]))[0]) == 6


# -- ReMiDi runs ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("domain", ["lever", "tmaze", "blindfold"])
def test_remidi_smoke_run_moves_to_the_next_buffer_and_rejects_consistent_levels(tmp_path, domain):
    path = execute(REMIDI, tiny_remidi(domain), root=tmp_path, name=domain)
    rows = read_metrics(path)
    train = [r for r in rows if "train/buffer_index" in r]
    assert train[0]["train/buffer_index"] == 0 and train[-1]["train/buffer_index"] == 1
    assert any("solve/" in k for k in rows[-1])
    if domain == "lever":  # hidden levers all look alike: once buffer 0 holds one, new ones are rejected
        late = [r["train/consistent_fraction"] for r in train if r["train/buffer_index"] == 1]
        assert np.nanmax(late) > 0
        evaluated = [r for r in rows if "solve/every_shown_lever" in r]  # ReMiDi's own lever metric
        assert evaluated and all(0.0 <= r["solve/every_shown_lever"] <= 1.0 for r in evaluated)
    html = (path / "report.html").read_text()
    assert "minimax regret gives no incentive" in html
