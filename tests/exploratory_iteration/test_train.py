import json

import numpy as np
import pytest

from openended.core.commands import execute
from openended.exploratory_iteration.config import (
    CurriculumConfig,
    EvalConfig,
    EvaluateConfig,
    ExItConfig,
    GRPOSettings,
)
from openended.exploratory_iteration.countdown import Countdown, CountdownConfig
from openended.exploratory_iteration.evaluation import self_improvement
from openended.llm.scripted import ScriptedLLM
from tests.conftest import need


def test_self_improvement_chains_answers_and_tracks_the_best():
    dom = Countdown(CountdownConfig(held_out=3))
    seen = []

    def respond(text, i):
        seen.append(text)
        inst = next(x for x in dom.held_out if f"equals {x.target}." in text)
        if "Current answer" not in text:
            return "Answer: 1"  # a poor first answer
        return f"Answer: {inst.numbers[0]}"  # then something else

    res = self_improvement(ScriptedLLM(respond=respond), dom, EvalConfig(instances=3, steps=2, samples=2))
    assert [r["step"] for r in res["steps"]] == [0, 1, 2]
    assert len(seen) == 3 * 2 * 3
    assert sum("Current answer:\nAnswer: 1" in t for t in seen[6:12]) == 6  # step 1 shows step 0's answer
    assert all("Feedback:" in t for t in seen[6:])
    for r in res["steps"]:
        assert r["best_score"] >= r["score"] - 1e-12 and len(r["score_per_sample"]) == 2
    assert res["steps"][2]["best_score"] >= res["steps"][0]["best_score"]


def test_self_improvement_with_the_embedded_model(smollm2):
    dom = Countdown(CountdownConfig(held_out=4))
    res = self_improvement(smollm2, dom, EvalConfig(instances=4, steps=1, samples=1, max_tokens=24))
    assert len(res["steps"]) == 2
    assert "Current answer" in res["example"]["prompt"]
    assert all(0.0 <= r["score"] <= 1.0 for r in res["steps"])


@pytest.mark.slow
def test_grpo_on_cpu_changes_the_weights_trains_self_iterations_and_resumes(tmp_path):
    torch = need("torch")
    need("trl")
    from safetensors.torch import load_file

    from openended.exploratory_iteration.cli import TRAIN
    from openended.llm.finetune import resolve_checkpoint

    cfg = ExItConfig(
        method="exit-full",
        # two small numbers: the base model writes a valid expression about half the time at 0.7, so a
        # group of 8 disagrees and GRPO has a gradient
        domain=CountdownConfig(numbers=2, held_out=2),
        curriculum=CurriculumConfig(capacity=64, min_size=1, buffer_probability=1.0),
        grpo=GRPOSettings(group_size=8, prompts_per_step=2, max_completion_tokens=16, lr=1e-4),
        evaluation=EvalConfig(instances=2, steps=1, samples=1, max_tokens=8),
        steps=3,
        checkpoint_every=1,
        device="cpu",
        threads=2,
    )
    run = execute(TRAIN, cfg, root=tmp_path, name="grpo")
    before = load_file(resolve_checkpoint("hf:smollm2-135m") / "model.safetensors")
    after = load_file(run / "artifacts" / "policy" / "model.safetensors")
    changed = [k for k in before if k in after and not torch.equal(before[k].float(), after[k].float())]
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    train = [r for r in rows if "buffer_size" in r]
    assert [r["step"] for r in train] == [1, 2, 3]
    assert any(r["learnability"] > 0 for r in train)
    assert changed, "no weight changed"
    # the third step's prompts were drawn after the first step filled the buffer: self-iterations
    assert train[2]["share_improve"] + train[2]["share_diverge"] == 1.0 and train[2]["train_depth"] >= 1
    assert train[-1]["diversity_bonus_batches"] == 3  # the bonus reached TRL's advantages every step
    assert train[-1]["buffer_size"] == 3 * 2 * 8
    ev = json.loads((run / "artifacts" / "evaluation.json").read_text())
    assert len(ev["steps"]) == 2
    assert (run / "report.html").is_file()

    # resume: the newest two TRL checkpoints are kept, each with the curriculum and the KL reference
    kept = sorted(p.name for p in (run / "trainer").glob("checkpoint-*"))
    assert kept == ["checkpoint-2", "checkpoint-3"]
    for name in kept:
        assert (run / "trainer" / name / "curriculum.json").is_file()
        assert (run / "trainer" / name / "reference.safetensors").is_file()
    buffer = json.loads((run / "artifacts" / "buffer.json").read_text())
    (run / "artifacts" / "evaluation.json").unlink()
    execute(TRAIN, resume=run)
    assert json.loads((run / "artifacts" / "buffer.json").read_text()) == buffer  # restored, not retrained
    assert (run / "artifacts" / "evaluation.json").is_file()
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if "buffer_size" in r] == [1, 2, 3]


def test_evaluate_refuses_a_run_that_is_not_exit(tmp_path):
    from openended.cli import main

    (tmp_path / "run.json").write_text(json.dumps({"system": "lapo-stage1"}))
    assert main(["exit", "evaluate", "--model", str(tmp_path)]) == 2
    assert EvaluateConfig().model == "smollm2-135m"
    assert np.isfinite(EvalConfig().temperature)


def test_a_missing_model_is_one_error_line_at_the_cli(tmp_path, capsys):
    from openended.cli import main

    assert main(["exit", "evaluate", "--model", "gguf:/nonexistent.gguf", "--runs-root", str(tmp_path)]) == 2
    assert main(["exit", "train", "--model", str(tmp_path / "none"), "--runs-root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "GGUF model file not found" in err and "transformers checkpoint" in err
    assert "Traceback" not in err
