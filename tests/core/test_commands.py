import pytest

from openended.core.commands import Experiment, execute
from openended.core.runs import read_meta
from tests.core.helpers import Cfg


def test_failed_run_keeps_its_error_and_still_gets_a_report(tmp_path):
    def main(run):
        run.log(1, loss=2.0)
        raise RuntimeError("diverged")

    with pytest.raises(RuntimeError, match="diverged"):
        execute(Experiment("demo", Cfg, main), root=tmp_path, name="f")
    meta = read_meta(tmp_path / "f")
    assert meta["status"] == "failed" and "diverged" in meta["error"]
    html = (tmp_path / "f" / "report.html").read_text()
    assert "status failed" in html and "data:image/png;base64," in html


def test_resume_uses_the_saved_config(tmp_path):
    seen = []
    exp = Experiment("demo", Cfg, lambda run: seen.append(run.config.steps))
    path = execute(exp, Cfg(steps=7), root=tmp_path, name="r")
    execute(exp, resume=path)
    assert seen == [7, 7] and read_meta(path)["resumes"] == 1


def test_run_or_resume_makes_resumes_and_then_leaves_a_run_alone(tmp_path):
    from openended.core.commands import run_or_resume

    calls = []

    def main(run):
        calls.append(run.config.steps)
        if len(calls) == 1:
            raise KeyboardInterrupt  # the first attempt is cut off

    exp = Experiment("demo", Cfg, main)
    with pytest.raises(KeyboardInterrupt):
        run_or_resume(exp, Cfg(steps=3), tmp_path, "job")
    path = run_or_resume(exp, Cfg(steps=99), tmp_path, "job")  # resumed with the saved config
    assert run_or_resume(exp, Cfg(steps=99), tmp_path, "job") == path  # finished: not run again
    assert calls == [3, 3] and read_meta(path)["status"] == "finished"
