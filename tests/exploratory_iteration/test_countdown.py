import itertools
import random
from fractions import Fraction

import pytest

from openended.core.config import ConfigError
from openended.exploratory_iteration.countdown import Countdown, CountdownConfig, Instance, extract, verify

INST = Instance((3, 5, 2), 16)


@pytest.mark.parametrize(
    ("answer", "score"),
    [
        ("Answer: (3 + 5) * 2", 1.0),
        ("(5 + 3) × 2 = 16", 1.0),
        ("I think 3 * 5 + 2 is close", 1 - 1 / 16),  # 17
        ("Answer: 5 * 2", 1 - 6 / 16),  # 10: fewer numbers is allowed
        ("Answer: 5 * 5", 0.0),  # 5 given once
        ("Answer: 7 + 9", 0.0),  # numbers not given
        ("Answer: 3 / (5 - 5)", 0.0),  # 5 twice, and a division by zero
        ("Answer: 2 / (5 - 3 - 2)", 0.0),  # a division by zero
        ("The expression is sixteen.", 0.0),
        ("Answer: 0o5 + 3", 0.0),  # no octal, hex or underscored literals
        ("Answer: 1_6", 0.0),
        ("Answer: " + "(" * 90 + "3" + ")" * 90, 1 - 13 / 16),  # deep but harmless nesting
        ("", 0.0),
    ],
)
def test_scores_are_graded_and_exact(answer, score):
    assert verify(INST, answer).score == pytest.approx(score)


def test_score_falls_with_distance_and_is_never_negative():
    far = Instance((1, 2), 3)
    assert verify(far, "Answer: 1 - 2").score == 0.0  # value -1: |−1 − 3| / 3 > 1
    assert verify(INST, "Answer: 3 * 5 + 2").score > verify(INST, "Answer: 3 * 5 * 2").score


@pytest.mark.parametrize(
    "hostile",
    [
        "Answer: __import__('os').system('touch /tmp/pwned')",
        "Answer: (lambda: 3)()",
        "Answer: 3 ** 5",
        "Answer: [3][0]",
        "Answer: " + "(" * 500 + "3" + ")" * 500,
        "Answer: " + " + ".join(["3"] * 200),
    ],
)
def test_verifier_only_walks_arithmetic(hostile, tmp_path):
    v = verify(INST, hostile)
    assert v.score == 0.0 and v.value is None
    assert "not" in v.feedback or "too long" in v.feedback


def test_feedback_names_what_is_wrong():
    assert "uses 7, which is not one of the numbers" in verify(INST, "Answer: 7 + 9").feedback
    assert "uses 5 2 times, but it is given 1 time" in verify(INST, "Answer: 5 * 5").feedback
    assert "below the target 16" in verify(INST, "Answer: 5 * 2").feedback
    assert "correct" in verify(INST, "Answer: 2 * (3 + 5)").feedback


def test_extract_prefers_the_answer_line_and_drops_the_value():
    assert extract("first 1 + 1, then\nAnswer: (3+5)*2 = 16") == "(3+5)*2"
    assert extract("so 9 x 8 makes it") == "9 * 8"
    assert extract("no digits here") is None


def _solvable(inst: Instance, uses: int) -> bool:
    def values(nums):
        if len(nums) == 1:
            yield Fraction(nums[0])
            return
        for i in range(1, len(nums)):
            for a in values(nums[:i]):
                for b in values(nums[i:]):
                    yield from (a + b, a - b, a * b)
                    if b:
                        yield a / b

    return any(
        v == inst.target for combo in itertools.permutations(inst.numbers, uses) for v in values(list(combo))
    )


@pytest.mark.parametrize("cfg", [CountdownConfig(), CountdownConfig(numbers=4, uses=3, max_number=20)])
def test_generated_instances_have_a_solution_within_bounds(cfg):
    rng = random.Random(1)
    for _ in range(40):
        inst = generate_one(cfg, rng)
        assert len(inst.numbers) == cfg.numbers and all(1 <= n <= cfg.max_number for n in inst.numbers)
        assert 1 <= inst.target <= cfg.max_target
        assert _solvable(inst, cfg.uses)


def generate_one(cfg, rng):
    from openended.exploratory_iteration.countdown import generate

    return generate(cfg, rng)


def test_held_out_set_is_fixed_and_never_in_the_training_stream():
    cfg = CountdownConfig(numbers=2, max_number=5, held_out=20)  # a small space: collisions are likely
    a, b = Countdown(cfg, seed=0), Countdown(cfg, seed=1)
    assert [i.key for i in a.held_out] == [i.key for i in b.held_out]
    held = {i.key for i in a.held_out}
    assert len(held) == 20
    assert not any(a.sample().key in held for _ in range(500))


def test_a_family_too_small_for_its_held_out_set_is_a_config_error_not_a_hang():
    with pytest.raises(ConfigError, match="held_out"):
        Countdown(CountdownConfig(numbers=2, max_number=3, held_out=200))


def test_config_rejects_a_solution_with_more_numbers_than_given():
    with pytest.raises(ConfigError, match="uses"):
        CountdownConfig(numbers=2, uses=3)


def test_no_constant_answer_solves_most_of_the_default_held_out_set():
    # a policy that ignores the instance and always combines the two numbers with one operation must not
    # score well: with the expression drawn first, 56 % of targets were sums and trained policies always added
    domain = Countdown(CountdownConfig())
    answers = {
        "+": lambda a, b: f"{a} + {b}",
        "*": lambda a, b: f"{a} * {b}",
        "-": lambda a, b: f"{max(a, b)} - {min(a, b)}",
        "/": lambda a, b: f"{max(a, b)} / {min(a, b)}",
    }
    for op, answer in answers.items():
        solved = sum(verify(i, answer(*i.numbers)).score == 1 for i in domain.held_out) / len(domain.held_out)
        assert solved < 0.35, (op, solved)
    unbalanced = Countdown(CountdownConfig(balanced_operators=False))
    sums = sum(verify(i, answers["+"](*i.numbers)).score == 1 for i in unbalanced.held_out)
    assert sums / len(unbalanced.held_out) > 0.5
