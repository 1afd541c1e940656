"""The Rainbow Teaming loop (Samvelyan et al. 2024, §3, Algorithm 1), batched.

Each iteration, for each of ``batch_size`` candidates:

1. a **parent** prompt is drawn uniformly from the archive (from the seed prompts while the archive is empty,
   or always, without stepping stones);
2. a **target descriptor** (one category per dimension) is drawn with probability ∝ exp((1 − f)/T) over
   cells, f the cell elite's fitness and 0 for an empty cell, so empty and weak cells are preferred;
3. the **mutator**'s two-step mutation rewrites the parent once per descriptor dimension, in order, towards
   the target category (:mod:`openended.rainbow_teaming.mutator`);
4. the **similarity filter** drops a candidate whose BLEU to its parent exceeds the threshold;
5. the **target** answers (in QA a reference model answers as well);
6. the **judge** compares the candidate's response with the incumbent's in both orders (or, score-based,
   compares single scores); the candidate takes the cell if it wins, or if the cell is empty.

Every inserted elite is also evaluated by the independent :class:`Evaluator`. Randomness of iteration ``i``
comes from ``(seed, i)`` alone (descriptor and parent draws, LLM sampling seeds), so a resumed run continues
exactly as an uninterrupted one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from openended.core.archive import Elite, GridArchive, Status
from openended.llm import LLM, SamplingParams
from openended.llm.diversity import bleu
from openended.rainbow_teaming.config import RainbowTeamingConfig
from openended.rainbow_teaming.domains import Domain
from openended.rainbow_teaming.evaluation import Evaluator
from openended.rainbow_teaming.judge import Judge
from openended.rainbow_teaming.mutator import Mutator


def descriptor_probabilities(fitness: np.ndarray, temperature: float) -> np.ndarray:
    """P(target cell) ∝ exp((1 − f)/T), f = fitness in [0, 1] with empty cells (NaN) counted as 0."""
    f = np.nan_to_num(np.asarray(fitness, dtype=float).ravel(), nan=0.0)
    logits = (1.0 - f) / temperature
    w = np.exp(logits - logits.max())
    return w / w.sum()


@dataclass
class Candidate:
    parent: str
    parent_cell: tuple[int, ...] | None
    measures: tuple[str, ...]
    prompt: str = ""
    filtered: str = ""  # why it was dropped ("" = kept)
    response: str = ""
    reference: str | None = None
    fitness: float = float("nan")
    evaluation: dict[str, Any] = field(default_factory=dict)
    status: Status = Status.NOT_ADDED


@dataclass
class Roles:
    """The models playing each role (one model may play several)."""

    mutator: LLM
    target: LLM
    judge: LLM
    reference: LLM | None = None
    evaluator: LLM | None = None


class RainbowTeaming:
    def __init__(self, config: RainbowTeamingConfig, domain: Domain, roles: Roles) -> None:
        if domain.uses_reference and roles.reference is None:
            raise ValueError(f"the {domain.name!r} domain needs a reference model")
        self.config = config
        self.domain = domain
        self.roles = roles
        self.mutator = Mutator(roles.mutator, domain, config)
        self.judge = Judge(roles.judge, domain)
        self.evaluator = Evaluator(domain, roles.evaluator, config.success_threshold)
        self.archive = GridArchive(domain.dims)
        self.iteration = 0
        self.counters = {
            "candidates": 0,
            "filtered": 0,
            "new": 0,
            "improved": 0,
            "rejected": 0,
            "comparisons": 0,
        }

    # -- sampling --------------------------------------------------------------------------------
    def rng(self, iteration: int) -> np.random.Generator:
        return np.random.default_rng([self.config.seed, iteration])

    def _llm_seed(self, iteration: int, role: int) -> int:
        state = np.random.SeedSequence([self.config.seed, iteration, role]).generate_state(1)[0]
        return int(state % (2**31 - 1))

    def sample_parents(self, rng: np.random.Generator, n: int) -> list[tuple[str, tuple[int, ...] | None]]:
        """Uniform over the archive's elites; uniform over the seed prompts while the archive is empty or
        without stepping stones."""
        if self.config.stepping_stones and len(self.archive):
            return [(str(e.solution), e.cell) for e in self.archive.sample_elites(n, rng)]
        seeds = self.domain.seeds
        return [(seeds[i], None) for i in rng.integers(len(seeds), size=n)]

    def sample_descriptors(self, rng: np.random.Generator, n: int) -> list[tuple[str, ...]]:
        probs = descriptor_probabilities(self.fitness_grid(), self.config.descriptor_temperature)
        flat = rng.choice(len(probs), size=n, p=probs)
        cells = np.array(np.unravel_index(flat, self.archive.shape)).T
        return [tuple(d.labels[i] for d, i in zip(self.domain.dims, cell, strict=True)) for cell in cells]

    def fitness_grid(self) -> np.ndarray:
        """Each cell's elite fitness; NaN where empty."""
        return self.archive.objective_grid()

    # -- one iteration -----------------------------------------------------------------------------
    def mutate(self, candidates: list[Candidate], iteration: int) -> None:
        """The mutator's two-step mutation of each candidate's parent towards its target descriptor."""
        texts = self.mutator.mutate(
            [c.parent for c in candidates],
            [c.measures for c in candidates],
            lambda k: self._llm_seed(iteration, k),
        )
        for c, t in zip(candidates, texts, strict=True):
            c.prompt = t

    def filter(self, candidates: list[Candidate]) -> None:
        for c in candidates:
            if not c.prompt.strip():
                c.filtered = "empty"
            elif bleu(c.prompt, [c.parent]) > self.config.similarity_threshold:
                c.filtered = "too similar to its parent"

    def respond(self, candidates: list[Candidate], iteration: int) -> None:
        prompts = [self.domain.target_prompt(c.prompt) for c in candidates]
        params = SamplingParams(
            max_tokens=self.config.response_max_tokens, seed=self._llm_seed(iteration, 100)
        )
        out = self.roles.target.generate(prompts, params, temperature=self.config.target_temperature)
        for c, r in zip(candidates, out, strict=True):
            c.response = r.text.strip()
        if self.domain.uses_reference:
            assert self.roles.reference is not None
            refs = self.roles.reference.generate(prompts, params, temperature=0.0)
            for c, r in zip(candidates, refs, strict=True):
                c.reference = r.text.strip()

    def _item(self, prompt: str, response: str, reference: str | None) -> str:
        return self.domain.item(prompt, response, reference)

    def _beats(self, candidate: Elite, incumbent: Elite) -> bool:
        """The pairwise judge: the candidate wins when its averaged preference is strictly higher."""
        c = self._item(
            str(candidate.solution), candidate.metadata["response"], candidate.metadata.get("reference")
        )
        i = self._item(
            str(incumbent.solution), incumbent.metadata["response"], incumbent.metadata.get("reference")
        )
        p_candidate, p_incumbent = self.judge.prefers(c, i)
        self.counters["comparisons"] += 1
        return p_candidate > p_incumbent

    def step(self) -> list[Candidate]:
        """Run one iteration; returns its candidates with what happened to each."""
        iteration = self.iteration
        rng = self.rng(iteration)
        parents = self.sample_parents(rng, self.config.batch_size)
        measures = self.sample_descriptors(rng, self.config.batch_size)
        candidates = [Candidate(p, cell, m) for (p, cell), m in zip(parents, measures, strict=True)]
        self.mutate(candidates, iteration)
        self.filter(candidates)
        kept = [c for c in candidates if not c.filtered]
        if kept:
            self.respond(kept, iteration)
            items = [self._item(c.prompt, c.response, c.reference) for c in kept]
            for c, f in zip(kept, self.judge.scores(items), strict=True):
                c.fitness = float(f)
            evaluations = self.evaluator.evaluate(
                [c.prompt for c in kept], [c.response for c in kept], [c.reference for c in kept]
            )
            for c, ev in zip(kept, evaluations, strict=True):
                c.evaluation = ev
                c.status = self.archive.add(
                    c.prompt,
                    c.measures,
                    c.fitness,
                    compare=self._beats if self.config.judge_mode == "pairwise" else None,
                    metadata={
                        "response": c.response,
                        "reference": c.reference,
                        "parent": c.parent,
                        "iteration": iteration,
                        "fitness": c.fitness,
                        **ev,
                    },
                )
        self.counters["candidates"] += len(candidates)
        self.counters["filtered"] += len(candidates) - len(kept)
        for c in kept:
            key = {Status.NEW: "new", Status.IMPROVED: "improved", Status.NOT_ADDED: "rejected"}[c.status]
            self.counters[key] += 1
        self.iteration += 1
        return candidates

    # -- persistence -------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            "archive": self.archive.state_dict(),
            "iteration": self.iteration,
            "counters": dict(self.counters),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        archive = GridArchive.from_state_dict(state["archive"])
        if archive.shape != self.archive.shape:
            raise ValueError(
                f"checkpoint archive shape {archive.shape} differs from the domain's {self.archive.shape}"
            )
        self.archive = archive
        self.iteration = int(state["iteration"])
        self.counters = {k: int(v) for k, v in state["counters"].items()}


def elite_rows(archive: GridArchive, dims: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """One row per elite for tables and exports."""
    names = dims or [d.name for d in archive.dims]
    rows = []
    for e in archive:
        m = e.metadata
        rows.append(
            {
                **dict(zip(names, e.measures, strict=True)),
                "prompt": str(e.solution),
                "response": m.get("response", ""),
                "fitness": e.objective,
                "evaluator": m.get("evaluator"),
                "toxicity": m.get("toxicity"),
                "refused": m.get("refused"),
                "success": m.get("success"),
                "iteration": m.get("iteration"),
            }
        )
    return rows
