"""Configuration of a LibriBrain run: task-dependent defaults from the competition tutorials."""

import pytest

from openended.core.config import ConfigError
from openended.libribrain.config import LibriBrainConfig, SyntheticConfig


def test_defaults_depend_on_the_task_unless_given():
    speech, phoneme = LibriBrainConfig(task="speech"), LibriBrainConfig(task="phoneme")
    assert (speech.window_end, speech.batch, speech.learning_rate) == (0.8, 32, 1e-3)
    assert (phoneme.window_end, phoneme.batch, phoneme.learning_rate) == (0.5, 16, 5e-4)
    custom = LibriBrainConfig(task="phoneme", tmax=0.3, batch_size=4, lr=0.01)
    assert (custom.window_end, custom.batch, custom.learning_rate) == (0.3, 4, 0.01)


def test_bounds_are_checked():
    with pytest.raises(ConfigError, match="run_s"):
        SyntheticConfig(run_s=5.0)
    with pytest.raises(ConfigError, match="label_smoothing"):
        LibriBrainConfig(label_smoothing=1.0)
