"""The registry of systems: what each is, where it lives, and whether it can run here.

A system is a subpackage ``openended.<package>`` whose ``cli`` module provides ``register(subparsers)`` (its
sub-commands), ``tour(root)`` (a quick run on embedded defaults, returning a
:class:`~openended.core.commands.TourEntry`) and ``EXPERIMENT`` (its
:class:`~openended.core.commands.Experiment`, for reports). A system appears in the CLI and the tour as
soon as that module exists; its optional dependencies are checked by import name so a missing extra gives an
install hint instead of an ImportError.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class System:
    name: str  # command-line name
    title: str
    paper: str
    package: str  # openended.<package>
    requires: tuple[str, ...] = ()  # import names of optional dependencies
    extra: str | None = None  # pip extra providing them
    issue: int | None = None
    aliases: tuple[str, ...] = ()  # shorter command-line names

    @property
    def implemented(self) -> bool:
        return importlib.util.find_spec(f"openended.{self.package}") is not None and (
            importlib.util.find_spec(f"openended.{self.package}.cli") is not None
        )

    def missing(self) -> list[str]:
        return [m for m in self.requires if importlib.util.find_spec(m) is None]

    @property
    def status(self) -> str:
        if not self.implemented:
            return f"planned (issue {self.issue})" if self.issue else "planned"
        missing = self.missing()
        if missing:
            return f"needs pip install 'openended[{self.extra}]' (missing {', '.join(missing)})"
        return "available"

    def cli(self) -> ModuleType:
        return importlib.import_module(f"openended.{self.package}.cli")


SYSTEMS: tuple[System, ...] = (
    System(
        "map-elites",
        "MAP-Elites on the planar arm (core demo)",
        "Mouret & Clune 2015, Illuminating search spaces by mapping elites",
        "map_elites",
    ),
    System(
        "ued",
        "Unsupervised environment design: DR, PLR, PLR⊥, ACCEL, PAIRED, ReMiDi",
        "Jiang 2023, Learning Curricula in Open-Ended Worlds; Beukman et al. 2024",
        "ued",
        ("jax",),
        "ued",
        4,
    ),
    System(
        "rl",
        "Torch RL layer: Procgen PPO experts, Minari datasets, the generalization protocol",
        "Cobbe et al. 2020; Mediratta et al. 2024 (gen_dgrl); Schmidt & Jiang 2024 (LAPO)",
        "rl",
        ("torch", "procgen", "minari"),
        "rl",
        24,
    ),
    System(
        "madrid",
        "MADRID: the start states where a trained football team fails (VMAS, CMA-ME)",
        "Samvelyan et al. 2024, Multi-Agent Diagnostics for Robustness via Illuminated Diversity",
        "madrid",
        ("torch", "vmas", "ribs"),
        "madrid",
        25,
    ),
    System(
        "rainbow-teaming",
        "Rainbow Teaming: quality-diversity adversarial prompts",
        "Samvelyan et al. 2024",
        "rainbow_teaming",
        (),
        "llm",
        7,
    ),
    System("gdr", "Generative Data Refinement", "Jiang et al. 2025", "gdr", (), "llm", 8),
    System(
        "exploratory-iteration",
        "ExIt: exploratory iteration, GRPO on an autocurriculum of partial self-improvement histories",
        "Jiang, Lupu & Bachrach 2025, Bootstrapping Task Spaces for Self-Improvement",
        "exploratory_iteration",
        ("torch", "transformers", "trl"),
        "exit",
        28,
        ("exit",),
    ),
    System(
        "aira",
        "AI research agents as search policies",
        "Toledo et al. 2025",
        "aira",
        ("sklearn", "pandas", "llama_cpp"),
        "all",
        9,
    ),
    System(
        "lapo",
        "LAPO: latent action policies from observation",
        "Schmidt & Jiang 2024",
        "lapo",
        ("torch", "procgen", "minari", "sklearn"),
        "lapo",
        27,
    ),
    System(
        "offline-rl",
        "The generalization gap in offline RL: BC, BCQ, CQL, IQL, DT, BCT on Procgen",
        "Mediratta, You, Jiang & Raileanu 2024, The Generalization Gap in Offline Reinforcement Learning",
        "offline_rl",
        ("torch", "procgen", "minari"),
        "rl",
        26,
    ),
    System(
        "libribrain",
        "LibriBrain MEG speech detection and phoneme classification",
        "Landau et al. 2025",
        "libribrain",
        ("torch", "h5py"),
        "brain",
        6,
    ),
)


def get(name: str) -> System:
    for s in SYSTEMS:
        if name == s.name or name in s.aliases:
            return s
    raise KeyError(f"unknown system {name!r}; known: {', '.join(s.name for s in SYSTEMS)}")


def runnable() -> list[System]:
    """Systems that are implemented and whose extras are installed."""
    return [s for s in SYSTEMS if s.implemented and not s.missing()]
