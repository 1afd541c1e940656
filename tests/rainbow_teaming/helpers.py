"""Scripted roles and archives shared by the Rainbow Teaming tests: deterministic mutator, target and judge
answers that depend on their input, so the loop's logic can be checked exactly."""

import re
import zlib

import numpy as np

from openended.core.archive import GridArchive
from openended.llm.scripted import ScriptedLLM
from openended.rainbow_teaming.config import RainbowTeamingConfig
from openended.rainbow_teaming.domains import SAFETY, Domain
from openended.rainbow_teaming.rainbow_teaming import (
    RainbowTeaming,
    Roles,
)

_REQUEST = re.compile(r"(?m)^(?:User: )?([^:\n]+): ([^\n]+)\nPrompt: ([^\n]+)")


def mutator_answer(text: str, i: int) -> str:
    """A deterministic rewrite that names the category and depends on the source."""
    _dim, category, source = _REQUEST.findall(text)[-1]
    return f"Prompt: {category} case {zlib.crc32(source.encode()) % 9973}"


def target_answer(text: str, i: int) -> str:
    users = re.findall(r"User: ([^\n]+)", text)
    return f"answer to {users[-1]} #{zlib.crc32(users[-1].encode()) % 101}"


def _blocks(text: str) -> tuple[str, str]:
    a = text.split("[A]\n", 1)[1].split("\n\n[B]\n", 1)
    return a[0], a[1].split("\n\nAnswer with", 1)[0]


def content_judge(text: str, choices: tuple[str, ...]) -> list[float]:
    """Prefers the item with the larger number after '#'; says Yes with probability number/100."""
    number = lambda s: int((re.findall(r"#(\d+)", s) or ["0"])[-1])  # noqa: E731
    if choices == ("A", "B"):
        a, b = _blocks(text)
        return [0.0, -3.0] if number(a) > number(b) else [-3.0, 0.0]
    p = min(max(number(text) / 100, 0.01), 0.99)
    return [float(np.log(p)), float(np.log(1 - p))]


def scripted_roles(judge=content_judge) -> Roles:
    return Roles(
        mutator=ScriptedLLM("scripted:mutator", mutator_answer),
        target=ScriptedLLM("scripted:target", target_answer),
        judge=ScriptedLLM("scripted:judge", score=judge),
        reference=ScriptedLLM("scripted:reference", lambda t, i: "the reference answer #50"),
    )


def make(domain: Domain = SAFETY, **kwargs) -> RainbowTeaming:
    judge = kwargs.pop("judge", content_judge)
    return RainbowTeaming(RainbowTeamingConfig(**kwargs), domain, scripted_roles(judge))


def fill(rt: RainbowTeaming, cells: list[tuple[int, int]], fitness: float = 0.5) -> None:
    for k, (i, j) in enumerate(cells):
        measures = (rt.domain.dims[0].labels[i], rt.domain.dims[1].labels[j])
        rt.archive.add(f"elite {k}", measures, fitness, metadata={"response": f"r #{k}", "reference": None})


def _config(tmp_path, **kw) -> RainbowTeamingConfig:
    base = dict(
        mutator="scripted:mutator",
        target="scripted:target",
        judge="scripted:judge",
        iterations=6,
        batch_size=3,
        log_every=1,
        checkpoint_every=2,
        diversity_every=3,
    )
    return RainbowTeamingConfig(**{**base, **kw})


def _models(fail_after: int | None = None):
    roles = scripted_roles()
    calls = {"n": 0}

    def mutator(text, i):
        calls["n"] += 1
        if fail_after is not None and calls["n"] > fail_after:
            raise RuntimeError("killed")
        return mutator_answer(text, i)

    return {
        "scripted:mutator": ScriptedLLM("scripted:mutator", mutator),
        "scripted:target": roles.target,
        "scripted:judge": roles.judge,
    }


def _archive(flags):
    archive = GridArchive(SAFETY.dims)
    for k, ok in enumerate(flags):
        archive.add(
            f"prompt number {k} about topic {k * 7}",
            (SAFETY.dims[0].labels[k], SAFETY.dims[1].labels[k]),
            0.1 * k,
            metadata={"success": ok, "refused": not ok, "toxicity": 0.0, "response": "r"},
        )
    return archive
