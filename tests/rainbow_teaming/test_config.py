"""Configuration of Rainbow Teaming."""

import pytest

from openended.core.config import ConfigError
from openended.rainbow_teaming.config import RainbowTeamingConfig


def test_a_domain_that_is_not_built_in_needs_a_domain_file():
    with pytest.raises(ConfigError, match="'chess' is not built in"):
        RainbowTeamingConfig(domain="chess")
    assert RainbowTeamingConfig(domain="chess", domain_file="chess.json").domain_file == "chess.json"


def test_bounds_are_checked():
    with pytest.raises(ConfigError, match="similarity_threshold"):
        RainbowTeamingConfig(similarity_threshold=1.5)
    with pytest.raises(ConfigError, match="judge_mode"):
        RainbowTeamingConfig(judge_mode="vote")
