import numpy as np
import pytest
import torch

from openended.rl.evaluation import NORMALIZATION, iqm, normalize, run_episodes, train_test_figure
from openended.rl.networks import ActorCritic
from openended.rl.procgen import GAMES, SPLITS


def test_iqm_of_a_known_example_and_its_interval():
    # 8 scores: the IQM drops the lowest and highest quarter (1, 2 and 7, 8) and averages 3..6
    scores = np.arange(1.0, 9.0).reshape(8, 1)
    point, low, high = iqm(scores, reps=500, seed=0)
    assert point == pytest.approx(4.5)
    assert low < point < high
    # stratified: a game whose runs all agree adds no spread; two identical games give the same IQM
    same = np.concatenate([scores, scores], axis=1)
    assert iqm(same, reps=200)[0] == pytest.approx(4.5)
    assert iqm(np.full((5, 3), 2.0), reps=200) == pytest.approx((2.0, 2.0, 2.0))


def test_normalization_covers_every_game_and_maps_the_range_to_0_1():
    assert set(NORMALIZATION) == set(GAMES)
    assert normalize("coinrun", [5.0, 10.0, 7.5]).tolist() == pytest.approx([0.0, 1.0, 0.5])
    assert normalize("fruitbot", -1.5) == pytest.approx(0.0)


def test_every_env_contributes_the_same_number_of_episodes():
    torch.manual_seed(0)
    model = ActorCritic(15, scale=1, hidden=16)
    eps = run_episodes(model, "bigfish", SPLITS["test"], 12, num_envs=4, seed=3, threads=1)
    assert len(eps.returns) == 12 and len(eps.lengths) == 12
    assert all(SPLITS["test"].contains(int(s)) for s in eps.seeds)
    assert eps.dropped == 0
    again = run_episodes(model, "bigfish", SPLITS["test"], 12, num_envs=4, seed=3, threads=1)
    assert np.array_equal(eps.returns, again.returns)  # seeded: the same evaluation twice


def test_train_vs_test_figure_has_one_bar_group_per_game():
    fig = train_test_figure({"train": [0.5, 0.8], "test": [0.2, 0.4]}, ["bigfish", "maze"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["bigfish", "maze"]
    assert len(ax.patches) == 4
