"""Configuration of an AIRA search run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from openended.core.config import Config, param
from openended.llm import DEFAULT_MODEL


@dataclass(frozen=True)
class GreedyConfig(Config):
    """AIDE's greedy policy: aira-dojo's ``GreedySolverConfig``
    (``src/dojo/config_dataclasses/solver/greedy.py``) and AIDE's config give 5 drafts, debug probability 0.5,
    debug depth 3; aira-dojo's MLE-bench runs (``src/dojo/configs/solver/mlebench/greedy.yaml``) use 1.0 and
    20."""

    num_drafts: int = param(5, "drafts before improving", ge=1)
    debug_prob: float = param(0.5, "probability of debugging a buggy leaf", ge=0.0, le=1.0)
    max_debug_depth: int = param(3, "deepest debug chain", ge=0)


@dataclass(frozen=True)
class MCTSConfig(Config):
    """AIRA_MCTS as aira-dojo runs it on MLE-bench (``src/dojo/configs/solver/mlebench/mcts.yaml``)."""

    num_children: int = param(5, "children per expansion", ge=1)
    uct_c: float = param(0.25, "UCT exploration constant", ge=0.0)
    max_debug_depth: int = param(20, "debug attempts per buggy child", ge=0)


@dataclass(frozen=True)
class EvolutionaryConfig(Config):
    """AIRA_EVO as aira-dojo runs it on MLE-bench (``src/dojo/configs/solver/mlebench/evo.yaml``): one
    island of at most 500, 5 individuals per generation, crossover with probability 0.5 from generation 2,
    softmax temperature 1.0 throughout, debug chains up to 10 (migration is off there and not implemented)."""

    num_islands: int = param(1, "islands", ge=1)
    max_island_size: int = param(500, "members per island", ge=2)
    individuals_per_generation: int = param(5, "children per generation", ge=1)
    num_generations: int = param(100, "generations of the temperature schedule", ge=1)
    crossover_prob: float = param(0.5, "probability of Crossover", ge=0.0, le=1.0)
    generations_till_crossover: int = param(2, "first generation that may cross", ge=0)
    initial_temp: float = param(1.0, "softmax temperature at the start", gt=0)
    final_temp: float = param(1.0, "softmax temperature at the end", gt=0)
    max_debug_depth: int = param(10, "debug attempts per buggy child", ge=0)


@dataclass(frozen=True)
class AIRAConfig(Config):
    """AI research agents as search policies over code (Toledo et al. 2025, arXiv:2507.02554; aira-dojo).

    Each policy's settings are its own sub-config (``--greedy.num-drafts``, ``--mcts.uct-c``, ...). Sampling:
    temperature 0.6 and top-p 0.95 for the code-writing operators, 0.5 for Analyze (aira-dojo's
    ``src/dojo/configs/solver/mlebench/mcts.yaml``). Budgets: aira-dojo gives 24 h per run and 4 h per
    execution (``execution_timeout: 14400``, ``time_limit_secs: 86400`` in ``src/dojo/configs/solver/*.yaml``)
    on an H200; the defaults here (20 steps, 2 h, 10 min per execution) fit a CPU machine — raise them for
    real runs. Output shown to the model: first and last 2,500 characters (aira-dojo's ``trim_long_string``,
    ``src/dojo/core/solvers/utils/response.py``).
    """

    task: str = param("iris", "task name (openended aira tasks lists them)")
    task_file: str = param("", "a task module outside the package (defines TASK)")
    policy: Literal["greedy", "mcts", "evolutionary"] = param("greedy", "search policy")
    operators: Literal["aide", "aira"] = param("aira", "operator prompt set")
    model: str = param(DEFAULT_MODEL, "model spec writing code (draft, improve, debug, crossover)")
    analyze_model: str = param("", "model spec of Analyze (default: model)")
    steps: int = param(20, "nodes to create (every executed node counts)", ge=1)
    time_limit_s: float = param(7200.0, "wall-clock budget of the search", gt=0)
    seed: int = param(0, "seed of the policy's randomness and of the task split", ge=0)
    # execution
    exec_timeout_s: float = param(600.0, "time limit of one solution run", gt=0)
    memory_mb: int = param(4096, "address-space limit of one solution run", ge=256)
    isolation: Literal["bwrap", "none"] = param("bwrap", "sandbox; 'none' only for trusted code")
    # sampling
    temperature: float = param(0.6, "sampling temperature of the code operators", ge=0.0, le=2.0)
    top_p: float = param(0.95, "nucleus mass of the code operators", gt=0.0, le=1.0)
    analyze_temperature: float = param(0.5, "sampling temperature of Analyze", ge=0.0, le=2.0)
    max_tokens: int = param(2048, "longest reply of a code operator", ge=64)
    llm_retries: int = param(3, "re-asks when a reply has no code block (aira-dojo: 3)", ge=1)
    # memory and context
    memory: Literal["simple", "none"] = param("simple", "Draft/Improve see earlier good solutions")
    memory_items: int = param(5, "most recent good solutions listed in the memory", ge=0)
    data_preview: bool = param(True, "show files, columns and dtypes of the data in Draft")
    greedy: GreedyConfig = field(default_factory=GreedyConfig)
    mcts: MCTSConfig = field(default_factory=MCTSConfig)
    evolutionary: EvolutionaryConfig = field(default_factory=EvolutionaryConfig)
