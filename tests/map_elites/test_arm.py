"""The planar arm benchmark: kinematics and objective by hand."""

import numpy as np
import pytest

from openended.map_elites import arm


def test_arm_kinematics_by_hand():
    # genome 0.5 -> angle 0: a straight arm along +x reaching (1, 0), objective 0
    obj, meas = arm.evaluate(np.full((1, 4), 0.5))
    np.testing.assert_allclose(meas, [[1.0, 0.0]], atol=1e-12)
    assert obj[0] == 0.0
    # two links of length 1/2: first at +90°, second turns back by -90° -> (0.5, 0.5)
    obj, meas = arm.evaluate(np.array([[0.75, 0.25]]))
    np.testing.assert_allclose(meas, [[0.5, 0.5]], atol=1e-12)
    assert obj[0] == pytest.approx(-np.var([np.pi / 2, -np.pi / 2]))
    assert arm.evaluate(np.random.default_rng(0).uniform(size=(100, 7)))[0].min() >= arm.QD_OFFSET


def test_links_have_length_one_over_dof_and_the_arm_stays_in_the_unit_disc():
    genomes = np.random.default_rng(1).uniform(size=(5, 6))
    points = arm.joint_positions(genomes)
    assert points.shape == (5, 7, 2)
    np.testing.assert_array_equal(points[:, 0], 0.0)  # the base sits at the origin
    np.testing.assert_allclose(np.linalg.norm(np.diff(points, axis=1), axis=2), 1 / 6)
    _, measures = arm.evaluate(genomes)
    np.testing.assert_array_equal(measures, points[:, -1])
    assert (np.linalg.norm(measures, axis=1) <= 1 + 1e-12).all()


def test_joint_angles_span_minus_pi_to_pi():
    np.testing.assert_allclose(
        arm.joint_angles(np.array([0.0, 0.25, 0.5, 1.0])), [-np.pi, -np.pi / 2, 0, np.pi]
    )
    # a folded-back arm: +180° then 0° relative: both links point along -x
    np.testing.assert_allclose(arm.evaluate(np.array([[1.0, 0.5]]))[1], [[-1.0, 0.0]], atol=1e-12)
