import sys

import numpy as np
import pytest

from openended.rl.procgen import (
    GAMES,
    NUM_ACTIONS,
    SPLITS,
    MissingExtra,
    ProcgenVecEnv,
    Split,
    require_procgen,
)


def test_the_protocols_splits_are_disjoint():
    train, val, test = SPLITS["train"], SPLITS["validation"], SPLITS["test"]
    assert [s for s in range(300) if train.contains(s)] == list(range(200))
    assert [s for s in range(300) if val.contains(s)] == list(range(200, 250))
    assert not any(test.contains(s) for s in range(250))
    assert test.contains(250) and test.contains(2**31 - 2)
    assert not any(train.contains(s) and (val.contains(s) or test.contains(s)) for s in range(0, 100_000, 7))


def _play(split: Split, steps: int, seed: int = 0) -> tuple[set[int], int]:
    env = ProcgenVecEnv("bigfish", 8, split, seed, num_threads=1)
    rng = np.random.default_rng(seed)
    seen = set(env.level_seeds().tolist())
    episodes = 0
    for _ in range(steps):
        env.step(rng.integers(0, NUM_ACTIONS, 8))
        seen |= set(env.level_seeds().tolist())
        episodes += len(env.finished())
    return seen, episodes


def test_training_levels_are_the_only_levels_played_in_training():
    seen, episodes = _play(SPLITS["train"], 600)
    assert episodes > 20
    assert seen <= set(range(200)) and len(seen) > 20


def test_test_levels_are_never_training_levels():
    seen, episodes = _play(SPLITS["test"], 600)
    assert episodes > 20
    assert all(SPLITS["test"].contains(s) for s in seen)
    assert not seen & set(range(250))


def test_frames_actions_and_finished_episodes():
    env = ProcgenVecEnv("starpilot", 4, SPLITS["train"], 3, num_threads=1)
    obs = env.observe()
    assert obs.shape == (4, 64, 64, 3) and obs.dtype == np.uint8
    total = np.zeros(4)
    rng = np.random.default_rng(0)
    rows = []
    for _ in range(400):
        seeds = env.level_seeds()
        obs, reward, done = env.step(rng.integers(0, NUM_ACTIONS, 4))
        total += reward
        fin = env.finished()
        assert sorted(i for i, *_ in fin) == sorted(np.flatnonzero(done).tolist())
        for i, ret, length, level in fin:
            assert ret == pytest.approx(total[i]) and length > 0 and level == seeds[i]
            total[i] = 0.0
        rows += fin
    assert rows


def test_a_restored_state_continues_the_same_episodes():
    a = ProcgenVecEnv("bigfish", 4, SPLITS["train"], 0, num_threads=1)
    rng = np.random.default_rng(1)
    for _ in range(30):
        a.step(rng.integers(0, NUM_ACTIONS, 4))
    state = a.get_state()
    a.finished()  # episodes that ended before the save are not part of the state
    b = ProcgenVecEnv("bigfish", 4, SPLITS["train"], 77, num_threads=1)
    b.set_state(state)
    actions = rng.integers(0, NUM_ACTIONS, (80, 4))
    for act in actions:
        oa, ra, da = a.step(act)
        ob, rb, db = b.step(act)
        assert np.array_equal(oa, ob) and np.array_equal(ra, rb) and np.array_equal(da, db)
    assert a.finished() == b.finished()


def test_unknown_game_and_missing_package_are_one_clear_error(monkeypatch):
    assert len(GAMES) == 16
    with pytest.raises(ValueError, match="unknown Procgen game 'pong'"):
        ProcgenVecEnv("pong", 1, SPLITS["train"], 0)
    monkeypatch.setitem(sys.modules, "procgen", None)  # as if it were not installed
    with pytest.raises(MissingExtra, match=r"openended\[rl\]"):
        require_procgen()
