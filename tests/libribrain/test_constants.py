"""The competition's pinned constants."""

import pytest

from openended.libribrain.constants import PHONEME_TO_ID, RUN_KEYS, SENSORS_SPEECH_MASK
from openended.libribrain.dataset import partition_keys


def test_competition_constants():
    assert len(RUN_KEYS) == 90 and len(set(RUN_KEYS)) == 90
    assert len(partition_keys("train")) == 88
    assert partition_keys("validation") == [("0", "11", "Sherlock1", "2")]
    assert len(SENSORS_SPEECH_MASK) == 23 and len(PHONEME_TO_ID) == 39
    with pytest.raises(ValueError, match="partition"):
        partition_keys("holdout")
