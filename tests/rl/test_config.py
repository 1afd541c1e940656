import pytest

from openended.core.config import ConfigError
from openended.rl.config import CollectConfig, EvaluateConfig, ExpertConfig, PPOConfig


def test_gen_dgrl_defaults():
    ppo = PPOConfig()
    assert (ppo.num_envs, ppo.num_steps, ppo.minibatches, ppo.epochs) == (64, 256, 8, 3)
    assert (ppo.lr, ppo.gamma, ppo.gae_lambda, ppo.ent_coef, ppo.clip) == (5e-4, 0.999, 0.95, 0.01, 0.2)
    assert ExpertConfig().total_steps == 25_000_000 and ExpertConfig().split == "train"
    assert EvaluateConfig().episodes == 100 and CollectConfig().transitions == 1_000_000


def test_bad_values_name_their_field():
    with pytest.raises(ConfigError) as err:
        PPOConfig(num_envs=10, num_steps=3, minibatches=4)
    assert err.value.field == "minibatches"
    with pytest.raises(ConfigError) as err:
        ExpertConfig(game="pong")
    assert err.value.field == "game"
    with pytest.raises(ConfigError) as err:
        EvaluateConfig(games=("bigfish", "maze"), policies=("a.npz",))
    assert err.value.field == "policies"
    with pytest.raises(ConfigError) as err:
        EvaluateConfig(splits=("holdout",))
    assert err.value.field == "splits"


def test_levels_n_names_the_first_n_levels_and_nothing_else_passes():
    from openended.rl.procgen import split_named

    s = split_named("levels-50")
    assert (s.start_level, s.num_levels) == (0, 50) and s.contains(49) and not s.contains(50)
    for bad in ("levels-0", "levels-x", "level-5", "levels-"):
        with pytest.raises(ValueError, match="levels-N"):
            split_named(bad)
