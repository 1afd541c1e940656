import jax
import jax.numpy as jnp
import numpy as np

from openended.ued import level as L
from openended.ued.editor import MazeEditor


def build(editor, actions, key=0):
    obs, state = editor.reset(jax.random.PRNGKey(key))
    dones = []
    for a in actions:
        obs, state, done = editor.step(state, jnp.int32(a))
        dones.append(bool(done))
    return obs, state, dones


def test_goal_then_agent_then_walls_within_budget():
    editor = MazeEditor(n_walls=3, height=3, width=4)
    obs, state, dones = build(
        editor, [11, 0, 5, 5, 6]
    )  # goal (3,2), agent (0,0), wall (1,1) on/off, wall (2,1)
    assert dones == [False, False, False, False, True] and editor.episode_length == 5
    level = editor.level(state)
    assert level.goal_pos.tolist() == [3, 2] and level.agent_pos.tolist() == [0, 0]
    assert np.argwhere(np.asarray(level.wall_map)).tolist() == [[1, 2]]  # (y=1, x=2)
    assert bool(level.is_well_formed())
    assert obs.image[2, 3, 0] == 8 and obs.image[0, 0, 0] == 10 and obs.image[1, 2, 0] == 2
    assert int(obs.time) == 5 and obs.noise.shape == (16,)


def test_walls_never_cover_goal_or_agent_and_agent_avoids_goal():
    editor = MazeEditor(n_walls=2, height=3, width=3)
    _, state, _ = build(editor, [4, 4, 4, 5])  # agent asked onto the goal -> next cell; walls on them ignored
    level = editor.level(state)
    assert level.goal_pos.tolist() == [1, 1] and level.agent_pos.tolist() == [2, 1]
    assert not np.asarray(level.wall_map).any()
    assert bool(level.is_well_formed())


def test_random_teachers_build_well_formed_levels_and_noise_differs():
    editor = MazeEditor(n_walls=25)

    def episode(key):
        k_reset, k_act = jax.random.split(key)
        _, state = editor.reset(k_reset)
        actions = jax.random.randint(k_act, (editor.episode_length,), 0, editor.num_actions)
        state = jax.lax.fori_loop(0, editor.episode_length, lambda t, s: editor.step(s, actions[t])[1], state)
        return editor.level(state), state.noise

    levels, noise = jax.jit(jax.vmap(episode))(jax.random.split(jax.random.PRNGKey(0), 128))
    assert np.asarray(jax.vmap(lambda lv: lv.is_well_formed())(levels)).all()
    assert int(L.num_walls(levels).max()) <= 25
    assert np.unique(np.asarray(noise), axis=0).shape[0] == 128
