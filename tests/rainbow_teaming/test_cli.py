"""The rainbow-teaming commands (export, evaluate) and the report on a scripted run."""

import json

from openended.cli import main
from openended.core.runs import Run
from openended.llm.scripted import ScriptedLLM
from openended.rainbow_teaming.runner import run_rainbow_teaming
from tests.conftest import need
from tests.rainbow_teaming.helpers import _config, _models


def test_run_export_and_evaluate_commands(tmp_path, capsys):
    need("profanity_check")
    cfg = _config(tmp_path, iterations=3, target="scripted:echo")
    models = _models()
    models["scripted:echo"] = ScriptedLLM("scripted:echo")
    with Run.create("rainbow-teaming", cfg, root=tmp_path, name="r") as run:
        rt = run_rainbow_teaming(run, models)
    run_dir = tmp_path / "r"
    assert (run_dir / "artifacts" / "archive_heatmap.png").is_file()
    export = ["rainbow-teaming", "export", str(run_dir), "--out", str(tmp_path / "sft.jsonl")]
    assert main([*export, "--helpful-ratio", "0"]) == 0
    rows = [json.loads(x) for x in (tmp_path / "sft.jsonl").read_text().splitlines()]
    assert len(rows) == len(rt.archive) > 0 and {r["source"] for r in rows} == {"safety"}
    # the default mixes in helpful pairs: the run's target (echo) answering generated harmless instructions
    assert main(export) == 0
    rows = [json.loads(x) for x in (tmp_path / "sft.jsonl").read_text().splitlines()]
    helpful = [r for r in rows if r["source"] == "helpful"]
    assert len(helpful) == len(rt.archive) and all(
        r["answer"] == r["messages"][-1]["content"] for r in helpful
    )
    capsys.readouterr()
    assert main([*export, "--helpful-ratio", "90"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "helpful_ratio" in err[0] and "only" in err[0]
    assert main(["rainbow-teaming", "evaluate", str(run_dir), "--json", str(tmp_path / "e.json")]) == 0
    result = json.loads((tmp_path / "e.json").read_text())
    # scripted:echo repeats each prompt: never a refusal, so every prompt is a keyword success
    assert result["n"] == len(rt.archive) and result["asr"] == 1.0 and result["target"] == "scripted:echo"
    assert main(["report", str(run_dir)]) == 0
    html = (run_dir / "report.html").read_text()
    assert "Elites (highest judge fitness first)" in html and "Content warning" in html


def test_finetune_rejects_bad_settings_before_loading_anything(tmp_path, capsys):
    # a negative LoRA rank once fell through to full fine-tuning; now a bad flag is one line naming its field
    data = tmp_path / "sft.jsonl"
    data.write_text("")  # never read: the settings are checked first
    base = ["rainbow-teaming", "finetune", "--data", str(data), "--out", str(tmp_path / "tuned")]
    bad_flags = (("--lora-rank", "-1", "lora_rank"), ("--lr", "0", "lr"), ("--epochs", "0", "epochs"))
    for flag, value, field in bad_flags:
        capsys.readouterr()
        assert main([*base, flag, value]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and f"invalid config: {field}:" in err[0], err


def test_finetune_names_unreadable_data_in_one_line(tmp_path, capsys):
    base = ["rainbow-teaming", "finetune", "--out", str(tmp_path / "tuned")]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "q"}], "answer": "a"}\n{"answer": 1}\n')
    for data, expected in ((tmp_path / "missing.jsonl", "cannot read"), (bad, "bad.jsonl:2")):
        capsys.readouterr()
        assert main([*base, "--data", str(data)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and expected in err[0], err
