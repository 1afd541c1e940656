"""A Rainbow Teaming run: resume, artifacts and the elites page."""

import pytest

from openended.core.runs import Run
from openended.llm.scripted import ScriptedLLM
from openended.rainbow_teaming.config import RainbowTeamingConfig
from openended.rainbow_teaming.runner import build, elites_html, run_rainbow_teaming
from tests.rainbow_teaming.helpers import _config, _models


def test_resume_after_a_crash_equals_an_uninterrupted_run(tmp_path):
    pytest.importorskip("sacrebleu")
    cfg = _config(tmp_path)
    with Run.create("rainbow-teaming", cfg, root=tmp_path, name="straight") as run:
        straight = run_rainbow_teaming(run, _models())
    crashed = Run.create("rainbow-teaming", cfg, root=tmp_path, name="crashed")
    with pytest.raises(RuntimeError, match="killed"), crashed:
        run_rainbow_teaming(
            crashed, _models(fail_after=5 * 2 * 3)
        )  # 2 dims × 3 per iteration: dies in the 6th
    resumed_run = Run.resume(tmp_path / "crashed", "rainbow-teaming", RainbowTeamingConfig)
    with resumed_run:
        resumed = run_rainbow_teaming(resumed_run, _models())
    assert resumed_run.meta["resumed_from_step"] == 4
    a, b = straight.archive.state_dict(), resumed.archive.state_dict()
    assert a["cells"].tolist() == b["cells"].tolist() and a["solutions"] == b["solutions"]
    assert a["metadata"] == b["metadata"]
    assert straight.counters == resumed.counters
    steps = [r["step"] for r in resumed_run.metrics()]
    assert steps == sorted(set(steps)) == list(range(1, 7))


def test_elites_page_escapes_html_and_carries_the_warning():
    page = elites_html([{"prompt": "<script>alert(1)</script>", "fitness": 0.5}], "safety", "keyword")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "Content warning" in page


def test_elites_page_of_an_empty_archive_and_number_formatting():
    assert "The archive is empty" in elites_html([], "safety", "keyword")
    page = elites_html([{"fitness": 0.12345, "evaluator": None}], "safety", "keyword")
    assert "<td>0.123</td><td></td>" in page


def test_build_loads_each_distinct_spec_once():
    cfg = RainbowTeamingConfig(mutator="scripted:echo", target="scripted:echo", judge="scripted:echo")
    rt = build(cfg)
    assert rt.roles.mutator is rt.roles.target is rt.roles.judge
    assert rt.roles.reference is None and rt.roles.evaluator is None
    given = ScriptedLLM("scripted:echo")
    assert build(cfg, {"scripted:echo": given}).roles.judge is given
    qa = build(cfg.replace(domain="qa", evaluator="scripted:echo"))
    assert qa.roles.reference is qa.roles.judge  # the reference defaults to the judge
