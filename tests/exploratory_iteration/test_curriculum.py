import numpy as np
import pytest

from openended.exploratory_iteration.config import CurriculumConfig, EvalConfig, ExItConfig
from openended.exploratory_iteration.countdown import CountdownConfig, Instance, verify
from openended.exploratory_iteration.curriculum import Attempt, ExItCurriculum, Task, prompt, step_reward
from openended.exploratory_iteration.grpo import CurriculumPrompts, ExItReward

INST = Instance((3, 5, 2), 16)


def cfg(**kw):
    kw.setdefault("curriculum", CurriculumConfig(capacity=64, min_size=4, buffer_probability=1.0))
    return ExItConfig(domain=CountdownConfig(held_out=10), evaluation=EvalConfig(instances=10), **kw)


def test_prompt_from_a_history_shows_the_answer_its_feedback_and_the_request():
    assert prompt(Task(INST)) == [{"role": "user", "content": prompt(Task(INST))[0]["content"]}]
    base = prompt(Task(INST))[0]["content"]
    assert "3, 5 and 2" in base and "16" in base and "Current answer" not in base
    prev = Attempt("Answer: 5 * 2", 0.625, verify(INST, "Answer: 5 * 2").feedback)
    improve = prompt(Task(INST, prev, 1))[0]["content"]
    assert improve.startswith(base)
    assert "Answer: 5 * 2" in improve and "below the target 16" in improve and "Improve" in improve
    diverge = prompt(Task(INST, prev, 1), "diverge")[0]["content"]
    assert "different approach" in diverge and "Answer: 5 * 2" in diverge and "Improve" not in diverge


def test_improvement_reward_follows_the_paper_formula():
    prev = Task(INST, Attempt("x", 0.5, ""), 1)
    good = verify(INST, "Answer: 3 * 5 + 2")  # 0.9375
    assert step_reward(prev, "improve", good, "score") == pytest.approx(0.9375)
    assert step_reward(prev, "improve", good, "improvement") == pytest.approx((0.9375 - 0.5) / 0.5)
    worse = verify(INST, "Answer: 2")
    assert step_reward(prev, "improve", worse, "improvement") == 0.0
    assert step_reward(prev, "diverge", good, "improvement") == pytest.approx(0.9375)  # raw on divergence
    solved = Task(INST, Attempt("x", 1.0, ""), 1)
    assert step_reward(solved, "improve", verify(INST, "Answer: 2*(3+5)"), "improvement") == 1.0
    assert step_reward(solved, "improve", worse, "improvement") == 0.0


def test_a_group_leaves_g_longer_histories_scored_by_its_learnability():
    cur = ExItCurriculum(cfg())
    draw = cur.draw()
    assert draw.kind == "base" and draw.task.depth == 0
    answers = ["Answer: 2*(3+5)", "Answer: 5 * 2", "nothing", "Answer: 3*5+2"]
    answers = [a.replace("3", str(draw.task.base.numbers[0])) for a in answers]
    rewards, verdicts = cur.score(draw, answers)
    s = cur.observe(draw, answers, verdicts, rewards)
    assert s == pytest.approx(np.var(rewards))
    assert len(cur.buffer) == 4 and not cur.open
    assert {e.item.depth for e in cur.buffer.entries} == {1}
    assert [e.item.previous.text for e in cur.buffer.entries] == answers
    assert all(e.score == pytest.approx(s) for e in cur.buffer.entries)


def test_buffer_draws_only_once_ready_and_divergence_only_for_its_methods():
    cur = ExItCurriculum(cfg(method="exit"))
    d = cur.draw()
    cur.observe(d, ["a", "b"], [verify(d.task.base, "a")] * 2, [0.0, 1.0])
    assert len(cur.buffer) == 2 and cur.draw().kind == "base"  # 2 < min_size 4
    d = cur.draw()
    cur.observe(d, ["c", "d"], [verify(d.task.base, "c")] * 2, [0.0, 1.0])
    kinds = {cur.draw().kind for _ in range(50)}
    assert kinds == {"improve"}
    div = ExItCurriculum(
        cfg(
            method="exit-divergence",
            curriculum=CurriculumConfig(
                capacity=8, min_size=1, buffer_probability=1.0, divergence_probability=1.0
            ),
        )
    )
    d = div.draw()
    div.observe(d, ["a"], [verify(d.task.base, "a")], [0.5])
    assert div.draw().kind == "diverge"


def test_grpo_never_uses_the_buffer():
    cur = ExItCurriculum(cfg(method="grpo"))
    for _ in range(20):
        d = cur.draw()
        assert d.kind == "base"
        cur.observe(d, ["a", "b"], [verify(d.task.base, "a")] * 2, [0.0, 1.0])
    assert len(cur.buffer) == 0


def test_curriculum_state_round_trip_continues_the_same_stream():
    a = ExItCurriculum(cfg())
    for _ in range(6):
        d = a.draw()
        a.observe(d, ["x", "y"], [verify(d.task.base, "x")] * 2, [0.0, 1.0])
    b = ExItCurriculum(cfg())
    b.load_state(a.state())
    for _ in range(5):
        da, db = a.draw(), b.draw()
        assert (da.kind, da.task) == (db.kind, db.task)


def test_reward_function_scores_groups_and_computes_the_bonus_for_its_methods():
    c = cfg(method="exit-diversity")
    cur = ExItCurriculum(c)
    prompts = CurriculumPrompts(cur)
    items = [next(iter_) for iter_ in [prompts.stream()] for _ in range(1)]
    first = items[0]
    g = c.grpo.group_size
    texts = [f"Answer: {k}" for k in range(g)]
    embed = lambda ts: np.array([[float(len(t)), float(t[-1])] for t in ts])  # noqa: E731
    reward = ExItReward(prompts, c, embed=embed)
    out = reward(
        [first["prompt"]] * g, [[{"role": "assistant", "content": t}] for t in texts], [first["draw_id"]] * g
    )
    assert len(out) == g and reward.bonus is not None and len(reward.bonus) == g
    assert len(cur.buffer) == g and not cur.open
    with pytest.raises(RuntimeError, match="mixes"):
        d1, d2 = cur.draw(), cur.draw()
        reward([None] * g, texts, [d1.id] * (g - 1) + [d2.id])


def test_the_system_answers_to_its_short_name():
    from openended import systems

    assert systems.get("exit") is systems.get("exploratory-iteration")
