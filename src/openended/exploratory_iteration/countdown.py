"""Countdown: reach a target number from a few given numbers with + − × ÷ — procedurally generated, with a
programmatic verifier that gives graded scores, so an improvement step can be rewarded.

An instance is a multiset of numbers and a target. An answer is one arithmetic expression (the text after
the last ``Answer:``, or the last line holding a digit); it may use each given number at most once, the four
operations and parentheses. Its **score** is 1 when it equals the target, ``max(0, 1 − |v − t| / t)`` when it
is a valid expression of value ``v``, and 0 when it is not one (unparsable, a number not given or used too
often, a division by zero). The verifier never calls ``eval``: it walks the parsed tree, allowing only
integer literals and the four operators, with exact fractions and a bound on the expression's size.

Difficulty is set by how many numbers there are, how large they may be and how many of them the target's
hidden expression uses; :func:`generate` draws targets from random expressions so every instance has a
solution. Held-out instances come from a different random stream and are removed from the training stream
(:class:`Countdown`), so evaluation never sees a training instance.
"""

from __future__ import annotations

import ast
import random
import re
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from openended.core.config import Config, ConfigError, param

_MAX_CHARS = 200  # longer "expressions" are not answers; also bounds the parser's work
_MAX_NODES = 64
_MAX_SCAN = 2000
_MAX_TRIES = 100_000  # draws before deciding a family is too small for what is asked of it


@dataclass(frozen=True)
class CountdownConfig(Config):
    """The family of instances. The defaults are sized for the embedded SmolLM2-135M: it solves 23 % of
    them greedily and 9 % sampled at the training temperature (``benchmarks/results/exit-base-rate.json``),
    and no answer that ignores the target (one operation, always) solves more than ~31 % of the held-out
    instances (still more than the base model: a trained policy can collapse onto one)."""

    numbers: int = param(2, "numbers given per instance", ge=2, le=6)
    max_number: int = param(30, "largest given number", ge=2, le=100)
    uses: int = param(2, "numbers the hidden solution uses (the target's expression)", ge=2)
    max_target: int = param(100, "largest target", ge=2)
    balanced_operators: bool = param(
        True,
        "draw the hidden solution's last operation uniformly from + - * / before its numbers, so that no one "
        "operation solves most instances (drawing the expression first and rejecting invalid ones leaves "
        "56 % sums at the defaults; trained policies then always added: "
        "benchmarks/results/exploratory/exit-pilot-h100.json)",
    )
    held_out: int = param(200, "held-out instances for evaluation", ge=1)

    def validate(self) -> None:
        if self.uses > self.numbers:
            raise ConfigError(
                "uses", f"{self.uses} > numbers ({self.numbers}): a solution uses given numbers"
            )


@dataclass(frozen=True)
class Instance:
    numbers: tuple[int, ...]
    target: int

    @property
    def key(self) -> str:
        return f"{','.join(map(str, sorted(self.numbers)))}->{self.target}"

    def to_dict(self) -> dict[str, object]:
        return {"numbers": list(self.numbers), "target": self.target}

    @staticmethod
    def from_dict(d: dict) -> Instance:
        return Instance(tuple(int(n) for n in d["numbers"]), int(d["target"]))


@dataclass(frozen=True)
class Verdict:
    score: float  # in [0, 1]
    value: Fraction | None  # the expression's value when it is valid
    expression: str | None  # what was read as the answer
    feedback: str  # one sentence for the next attempt's prompt

    @property
    def solved(self) -> bool:
        return self.score >= 1.0


class _Invalid(ValueError):
    pass


def _evaluate(node: ast.AST, used: list[int]) -> Fraction:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, used)
    if isinstance(node, ast.Constant) and type(node.value) is int:
        used.append(node.value)
        return Fraction(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
        a, b = _evaluate(node.left, used), _evaluate(node.right, used)
        if isinstance(node.op, ast.Add):
            return a + b
        if isinstance(node.op, ast.Sub):
            return a - b
        if isinstance(node.op, ast.Mult):
            return a * b
        if b == 0:
            raise _Invalid("divides by zero")
        return a / b
    raise _Invalid("is not an arithmetic expression of the given numbers")


_ANSWER = re.compile(r"answer\s*[:=]\s*(.+)", re.IGNORECASE)
# a run of expression characters holding at least one operator between numbers
_EXPRESSION = re.compile(r"[\d(][\d\s()+\-*/x×÷−.]*[+\-*/x×÷−][\d\s()+\-*/x×÷−.]*\d\)*")


def _clean(candidate: str) -> str:
    candidate = candidate.strip().strip("`*$").replace("×", "*").replace("÷", "/").replace("−", "-")
    if re.fullmatch(r"[\d\s()+\-x/*.]+", candidate):
        candidate = candidate.replace("x", "*")
    return candidate.split("=")[0].strip().rstrip(".")


def extract(text: str) -> str | None:
    """The expression an answer gives: after the last ``Answer:``; else the last stretch of the text that
    reads as an arithmetic expression (numbers joined by operators); else the last line with a digit. A
    trailing ``= value`` is dropped, and ×, ÷, x between numbers and the Unicode minus read as * / -."""
    text = text[-_MAX_SCAN:]  # an answer ends the reply; the patterns are not linear in long texts
    found = _ANSWER.findall(text)
    if found:
        return _clean(found[-1]) or None
    runs = [m.group(0) for m in _EXPRESSION.finditer(text)]
    if runs:
        return _clean(runs[-1]) or None
    lines = [ln for ln in text.splitlines() if any(c.isdigit() for c in ln)]
    return (_clean(lines[-1]) or None) if lines else None


def verify(instance: Instance, text: str) -> Verdict:
    """Score an answer to ``instance`` (see the module's docstring)."""
    expression = extract(text)
    if expression is None:
        return Verdict(0.0, None, None, "The answer holds no expression.")
    shown = expression if len(expression) <= 60 else expression[:57] + "..."
    if len(expression) > _MAX_CHARS:
        return Verdict(0.0, None, expression, f"The answer {shown} is too long to be an expression.")
    if not re.fullmatch(r"[\d\s()+\-*/]+", expression):  # no names, calls, 0x/0o/1_5 literals, floats
        return Verdict(0.0, None, expression, f"The answer {shown} is not an arithmetic expression.")
    try:
        tree = ast.parse(expression, mode="eval")
        if sum(1 for _ in ast.walk(tree)) > _MAX_NODES:
            raise _Invalid("is too long")
        used: list[int] = []
        value = _evaluate(tree, used)
    except (SyntaxError, _Invalid, ValueError, RecursionError, MemoryError) as err:
        why = str(err) if isinstance(err, _Invalid) else "is not an arithmetic expression"
        return Verdict(0.0, None, expression, f"The answer {shown} {why}.")
    extra = Counter(used) - Counter(instance.numbers)
    if extra:
        n = sorted(extra)[0]
        given, count = Counter(instance.numbers)[n], Counter(used)[n]
        why = (
            f"uses {n}, which is not one of the numbers"
            if given == 0
            else f"uses {n} {count} times, but it is given {given} time{'s' if given > 1 else ''}"
        )
        return Verdict(0.0, None, expression, f"The answer {shown} {why}.")
    t = instance.target
    if value == t:
        return Verdict(1.0, value, expression, f"{shown} = {t}: correct.")
    score = max(0.0, 1.0 - float(abs(value - t)) / t)
    v = str(value) if value.denominator == 1 else f"{float(value):.3g}"
    side = "below" if value < t else "above"
    return Verdict(score, value, expression, f"{shown} = {v}, which is {side} the target {t}.")


_OPS = ("+", "-", "*", "/")


def _random_expression(values: list[int], rng: random.Random, op: str | None = None) -> Fraction | None:
    """Value of a random binary expression tree over ``values`` (in the given order), or None; ``op`` fixes
    the last operation (the root's)."""
    if len(values) == 1:
        return Fraction(values[0])
    split = rng.randrange(1, len(values))
    left, right = _random_expression(values[:split], rng), _random_expression(values[split:], rng)
    if left is None or right is None:
        return None
    op = op or rng.choice(_OPS)
    if op == "/":
        return None if right == 0 else left / right
    return left + right if op == "+" else left - right if op == "-" else left * right


def generate(cfg: CountdownConfig, rng: random.Random) -> Instance:
    """One instance with a positive whole target ≤ ``max_target`` reachable from ``uses`` of its numbers."""
    # the last operation first, then numbers until it gives a valid target: every operation equally often
    op = rng.choice(_OPS) if cfg.balanced_operators else None
    for _ in range(_MAX_TRIES):
        numbers = [rng.randint(1, cfg.max_number) for _ in range(cfg.numbers)]
        chosen = rng.sample(numbers, cfg.uses)
        value = _random_expression(chosen, rng, op)
        if value is None or value.denominator != 1 or not 1 <= value <= cfg.max_target:
            continue
        if int(value) in chosen and cfg.uses > 1 and rng.random() < 0.9:
            continue  # targets equal to a given number are trivial: keep few
        return Instance(tuple(numbers), int(value))
    raise ConfigError(
        "domain", f"no valid instance in {_MAX_TRIES} draws: raise max_target or max_number, or lower uses"
    )


class Countdown:
    """The domain: a stream of training instances and a fixed held-out set that the stream never yields."""

    name = "countdown"

    def __init__(self, cfg: CountdownConfig, seed: int = 0) -> None:
        self.cfg = cfg
        held = random.Random(f"countdown-held-out-{cfg.numbers}-{cfg.max_number}-{cfg.uses}")
        seen: dict[str, Instance] = {}
        for _ in range(_MAX_TRIES):
            if len(seen) == cfg.held_out:
                break
            inst = generate(cfg, held)
            seen.setdefault(inst.key, inst)
        else:
            raise ConfigError(
                "domain.held_out",
                f"found only {len(seen)} distinct instances for {cfg.held_out} held-out ones: the family "
                "is too small (raise numbers or max_number, or lower held_out)",
            )
        self.held_out = list(seen.values())
        self._held_keys = set(seen)
        self._rng = random.Random(seed)

    def sample(self) -> Instance:
        for _ in range(_MAX_TRIES):
            inst = generate(self.cfg, self._rng)
            if inst.key not in self._held_keys:
                return inst
        raise ConfigError("domain.held_out", "the held-out set covers every instance: none left to train on")

    def rng_state(self) -> object:
        return self._rng.getstate()

    def set_rng_state(self, state: object) -> None:
        self._rng.setstate(state)  # type: ignore[arg-type]

    @staticmethod
    def task(instance: Instance) -> str:
        """The base task's wording: short and plain, which the embedded 135M model answers with an
        expression most often of the wordings tried (``benchmarks/exploratory_iteration/base_rate.py``)."""
        nums = [str(n) for n in instance.numbers]
        listed = ", ".join(nums[:-1]) + " and " + nums[-1]
        return (
            f"Write an arithmetic expression that uses the numbers {listed} (each at most once) with "
            f"+ - * / and equals {instance.target}."
        )

    verify = staticmethod(verify)
