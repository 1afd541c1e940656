"""Configuration of an AIRA search run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from openended.core.config import Config, param
from openended.llm import DEFAULT_MODEL


@dataclass(frozen=True)
class AIRAConfig(Config):
    """AI research agents as search policies over code (Toledo et al. 2025, arXiv:2507.02554; aira-dojo).

    Sources of the defaults (reference note §2-4):
    - Greedy: ``num_drafts`` 5, ``debug_prob`` 0.5, ``max_debug_depth`` 3 (aira-dojo's GreedySolverConfig
      and AIDE's config; aira-dojo's MLE-bench config uses 1.0 and 20);
    - MCTS: ``num_children`` 5, ``uct_c`` 0.25, ``mcts_max_debug_depth`` 20;
    - Evolutionary: 1 island of at most 500, 5 individuals per generation, crossover probability 0.5 from
      generation 2, temperature 1.0 throughout, ``evo_max_debug_depth`` 10;
    - sampling: temperature 0.6, top-p 0.95 for the code-writing operators, 0.5 for Analyze;
    - budgets: the paper gives 24 h per run and 4 h per execution on an H200; the defaults here (20 steps,
      2 h, 10 min per execution) fit a CPU machine — raise them for real runs;
    - output shown to the model: first and last 2,500 characters (aira-dojo's trimming).
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
    # Greedy
    num_drafts: int = param(5, "Greedy: drafts before improving", ge=1)
    debug_prob: float = param(0.5, "Greedy: probability of debugging a buggy leaf", ge=0.0, le=1.0)
    max_debug_depth: int = param(3, "Greedy: deepest debug chain", ge=0)
    # MCTS
    num_children: int = param(5, "MCTS: children per expansion", ge=1)
    uct_c: float = param(0.25, "MCTS: exploration constant", ge=0.0)
    mcts_max_debug_depth: int = param(20, "MCTS: debug attempts per buggy child", ge=0)
    # Evolutionary
    num_islands: int = param(1, "Evolutionary: islands", ge=1)
    max_island_size: int = param(500, "Evolutionary: members per island", ge=2)
    individuals_per_generation: int = param(5, "Evolutionary: children per generation", ge=1)
    num_generations: int = param(100, "Evolutionary: generations of the temperature schedule", ge=1)
    crossover_prob: float = param(0.5, "Evolutionary: probability of Crossover", ge=0.0, le=1.0)
    generations_till_crossover: int = param(2, "Evolutionary: first generation that may cross", ge=0)
    initial_temp: float = param(1.0, "Evolutionary: softmax temperature at the start", gt=0)
    final_temp: float = param(1.0, "Evolutionary: softmax temperature at the end", gt=0)
    evo_max_debug_depth: int = param(10, "Evolutionary: debug attempts per buggy child", ge=0)
