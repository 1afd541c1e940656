"""Validation of the UED configuration."""

import pytest

from openended.core.config import ConfigError
from openended.ued.config import ACCELConfig, DomainConfig, PLRConfig, PPOConfig, UEDConfig
from tests.ued.helpers import tiny


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


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"eval_levels": ("SmallRoom", "Nowhere")}, "eval_levels"),
        ({"eval_levels": ()}, "eval_levels"),
        ({"algorithm": "accel", "domain": DomainConfig(name="lever")}, "algorithm"),
        ({"algorithm": "paired", "domain": DomainConfig(name="tmaze")}, "algorithm"),
        ({"devices": 3}, "devices"),  # 8 environments do not split over 3 devices
        ({"ppo": PPOConfig(minibatches=3)}, "ppo.minibatches"),
    ],
    ids=[
        "unknown-eval-level",
        "no-eval-levels",
        "accel-on-lever",
        "paired-on-tmaze",
        "devices",
        "minibatches",
    ],
)
def test_inconsistent_settings_are_rejected_naming_the_field(changes, field):
    changes = dict(changes)
    base = tiny(changes.pop("algorithm", "dr"))  # valid
    with pytest.raises(ConfigError) as err:
        base.replace(**changes)
    assert err.value.field == field


def test_accel_edit_probabilities_must_be_four_summing_to_one():
    for probs in ((0.5, 0.5, 0.5, 0.0), (0.5, 0.5), (0.25, 0.25, 0.25, 0.25, 0.0)):
        with pytest.raises(ConfigError) as err:
            ACCELConfig(edit_probs=probs)
        assert err.value.field == "edit_probs"
    assert ACCELConfig(edit_probs=(0.0, 0.5, 0.25, 0.25)).edit_probs == (0.0, 0.5, 0.25, 0.25)
