"""Configuration of the MAP-Elites arm demo."""

import pytest

from openended.core.config import ConfigError
from openended.map_elites.config import MapElitesConfig


def test_initial_random_iterations_cannot_exceed_the_run():
    with pytest.raises(ConfigError, match="initial_iterations: 6 exceeds iterations \\(5\\)"):
        MapElitesConfig(iterations=5, initial_iterations=6)
    assert MapElitesConfig(iterations=5, initial_iterations=5).initial_iterations == 5


def test_variation_operator_is_one_of_two():
    with pytest.raises(ConfigError, match="variation"):
        MapElitesConfig(variation="crossover")
