"""The agent end to end on a tiny task: scripted model (the logic around the LLM), real sandbox and grader;
and once with the embedded SmolLM2."""

import json

import pytest

from openended.aira.agent import Agent, summarize
from openended.aira.config import AIRAConfig, GreedyConfig
from openended.aira.tasks import get
from openended.llm.scripted import ScriptedLLM

GOOD = """Plan: logistic regression with C={c}.
```python
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
tr = pd.read_csv("data/train.csv"); te = pd.read_csv("data/test.csv")
X, y = tr.drop(columns=["id", "species"]), tr["species"]
m = LogisticRegression(C={c}, max_iter=500)
print("Validation metric:", round(cross_val_score(m, X, y, cv=5).mean(), 4))
m.fit(X, y)
pd.DataFrame({{"id": te["id"], "species": m.predict(te[X.columns])}}).to_csv("submission.csv", index=False)
```"""
BUGGY = "Plan: a typo.\n```python\nimport pandas as pd\npd.read_csv('data/trian.csv')\n```"
NO_CODE = "I would use a random forest."


def scripted():
    calls = {"n": 0}

    def respond(prompt, i):
        if "You review the run" in prompt:  # Analyze: claims a metric the output does not contain
            return '{"is_bug": false, "summary": "trained a model", "metric": 0.123456}'
        if "Program that failed" in prompt or "Buggy solution" in prompt:
            return GOOD.format(c=0.5)
        calls["n"] += 1
        return [GOOD.format(c=1.0), BUGGY, NO_CODE, NO_CODE, NO_CODE, GOOD.format(c=0.1)][
            (calls["n"] - 1) % 6
        ]

    return ScriptedLLM(respond=respond)


def test_greedy_run_executes_grades_hides_scores_and_resumes(tmp_path, bwrap_ok):
    cfg = AIRAConfig(
        task="iris",
        policy="greedy",
        steps=4,
        greedy=GreedyConfig(num_drafts=3, debug_prob=1.0),
        exec_timeout_s=60,
        seed=0,
    )
    llm = scripted()
    agent = Agent(cfg, get("iris"), tmp_path, llm)
    agent.step()
    agent.step()
    j = agent.journal
    assert j[0].good and j[0].valid_submission and j[0].test_score is not None
    assert j[0].metric != 0.123456 and 0.5 < j[0].metric <= 1.0  # the printed metric, not the invented one
    assert j[1].is_buggy and "exit code 1" in j[1].bug and "FileNotFoundError" in j[1].output
    assert not j[1].valid_submission and j[1].test_score is None
    # a new agent on the same directory continues where the first stopped
    agent = Agent(cfg, get("iris"), tmp_path, llm)
    assert len(agent.journal) == 2
    agent.step()  # third draft: no code block in any of the re-asks
    assert agent.journal[2].bug == "the reply had no code block" and agent.journal[2].code == ""
    node = agent.step()  # debug the buggy leaf with probability 1: the fixed program works
    assert node.operator == "debug" and node.parents[0] in (1, 2) and node.good  # a random buggy leaf
    assert agent.done
    # no prompt ever contained a hidden test score
    scores = {f"{n.test_score:g}" for n in agent.journal.nodes if n.test_score is not None}
    prompts = "\n".join(llm.calls)
    assert not any(f"test score {s}" in prompts for s in scores)
    assert "ANSWER" not in prompts and "answers.csv" not in prompts
    lines = (tmp_path / "journal.jsonl").read_text().splitlines()
    assert [json.loads(x)["id"] for x in lines] == [0, 1, 2, 3]
    s = summarize(agent.journal, agent.ladder, agent.task)
    assert s["selected"]["node"] in (0, 3) and s["oracle"] is not None
    assert (s["code_rate"], s["ran_rate"], s["metric_rate"]) == (0.75, 0.5, 0.5)
    assert s["valid_submission_rate"] == pytest.approx(
        sum(n.valid_submission for n in agent.journal.nodes) / 4
    )


@pytest.mark.slow
def test_embedded_model_drives_two_steps(tmp_path, bwrap_ok, smollm2):
    cfg = AIRAConfig(task="iris", policy="greedy", steps=2, max_tokens=200, exec_timeout_s=60, llm_retries=1)
    agent = Agent(cfg, get("iris"), tmp_path, smollm2)
    while not agent.done:
        agent.step()
    assert len(agent.journal) == 2
    for node in agent.journal.nodes:
        assert node.tokens > 0
        assert node.good or node.bug  # a verdict either way, with the reason when buggy
    summarize(agent.journal, agent.ladder, agent.task)


def test_a_failing_model_call_makes_a_buggy_node_not_a_dead_run(tmp_path):
    from openended.llm import LLMError

    def respond(prompt, i):
        raise LLMError("prompt of 9999 tokens does not fit the context of 2048")

    cfg = AIRAConfig(task="iris", steps=2, isolation="none")
    with pytest.warns(UserWarning, match="trusted code only"):
        agent = Agent(cfg, get("iris"), tmp_path, ScriptedLLM(respond=respond))
    node = agent.step()
    assert node.is_buggy and node.bug.startswith("model call failed") and "9999 tokens" in node.bug
    assert agent.step().id == 1
