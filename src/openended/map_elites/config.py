"""Configuration of the MAP-Elites arm demo."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from openended.core.config import Config, ConfigError, param


@dataclass(frozen=True)
class MapElitesConfig(Config):
    """MAP-Elites (Mouret & Clune 2015, arXiv:1504.04909) on the planar arm repertoire.

    Sources of the defaults:
    - algorithm: random initial solutions, then uniform parent selection from the archive, variation,
      evaluation and insertion where the offspring beats its cell's elite (Mouret & Clune 2015, Alg. 1);
    - variation: Iso+LineDD, ``x' = x_i + σ_iso·N(0, I) + σ_line·N(0, 1)·(x_j − x_i)`` with σ_iso 0.01 and
      σ_line 0.2 (Vassiliades & Mouret 2018, GECCO, "Discovering the elite hypervolume by leveraging
      interspecies correlation"); ``gaussian`` is the original isotropic mutation with ``sigma``;
    - domain: a planar arm of ``dof`` equal links of total length 1, genome in [0, 1]^dof mapped to joint
      angles in [−π, π]; measures are the end-effector (x, y) on [−1, 1]², objective −Var(angles) (prefer
      smooth arms), as in the arm repertoire used by pyribs and Vassiliades & Mouret;
    - budget (iterations × batch) sized to run in well under a minute on a 2-core CPU.
    """

    dof: int = param(12, "number of arm joints (genome dimension)", ge=1, le=1000)
    bins: int = param(50, "grid bins per measure dimension (x and y)", ge=1, le=1000)
    iterations: int = param(2000, "number of ask/evaluate/insert iterations", ge=1)
    batch_size: int = param(100, "solutions evaluated per iteration", ge=1)
    initial_iterations: int = param(10, "iterations of uniformly random solutions before variation", ge=1)
    variation: Literal["iso_line", "gaussian"] = param("iso_line", "variation operator")
    iso_sigma: float = param(0.01, "isotropic noise of Iso+LineDD", ge=0.0)
    line_sigma: float = param(0.2, "directional noise of Iso+LineDD", ge=0.0)
    sigma: float = param(0.1, "mutation scale of the gaussian operator", ge=0.0)
    seed: int = param(0, "random seed", ge=0)
    log_every: int = param(10, "log archive statistics every N iterations", ge=1)
    checkpoint_every: int = param(100, "checkpoint every N iterations", ge=1)

    def validate(self) -> None:
        if self.initial_iterations > self.iterations:
            raise ConfigError(
                "initial_iterations", f"{self.initial_iterations} exceeds iterations ({self.iterations})"
            )
