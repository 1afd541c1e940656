"""What every curriculum shares (``Trainer``): the device mesh it trains on."""

import jax
import pytest

from openended.ued.dr import DomainRandomization
from tests.ued.helpers import tiny


def test_asking_for_more_devices_than_visible_fails_and_fewer_builds_a_smaller_mesh():
    visible = len(jax.devices())
    with pytest.raises(ValueError, match="visible"):
        DomainRandomization(tiny("dr").replace(num_envs=2 * (visible + 1), devices=visible + 1))
    trainer = DomainRandomization(tiny("dr").replace(devices=1))
    assert trainer.mesh.devices.size == 1 and trainer.mesh.axis_names == ("data",)
    assert trainer.student.batch_sharding == trainer.batch_sharding
