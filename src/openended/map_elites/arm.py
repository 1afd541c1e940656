"""The planar arm: a classic quality-diversity benchmark (Cully et al. 2015; Vassiliades & Mouret 2018).

A genome in [0, 1]^dof sets the joint angles; the arm has ``dof`` links of length 1/dof, so the end effector
lies in the unit disc. Measures: end-effector (x, y). Objective: −Var(joint angles), 0 for a straight arm.
"""

from __future__ import annotations

import numpy as np

ANGLE_LOW, ANGLE_HIGH = -np.pi, np.pi
# Var of angles in [-π, π] is at most π², so objective + π² is non-negative: the QD-score offset.
QD_OFFSET = -(np.pi**2)


def joint_angles(genomes: np.ndarray) -> np.ndarray:
    return ANGLE_LOW + np.asarray(genomes) * (ANGLE_HIGH - ANGLE_LOW)


def joint_positions(genomes: np.ndarray) -> np.ndarray:
    """Positions of the base and every joint, shape (n, dof + 1, 2); the last one is the end effector."""
    genomes = np.atleast_2d(genomes)
    dof = genomes.shape[1]
    cumulative = np.cumsum(joint_angles(genomes), axis=1)
    steps = np.stack([np.cos(cumulative), np.sin(cumulative)], axis=-1) / dof
    start = np.zeros((genomes.shape[0], 1, 2))
    return np.concatenate([start, np.cumsum(steps, axis=1)], axis=1)


def evaluate(genomes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Objectives (n,) and measures (n, 2) of a batch of genomes."""
    genomes = np.atleast_2d(genomes)
    objective = -np.var(joint_angles(genomes), axis=1)
    measures = joint_positions(genomes)[:, -1, :]
    return objective, measures
