import json

import numpy as np
import pytest

from openended.core.runs import Run, RunError, read_meta, read_metrics
from tests.core.helpers import Cfg


def test_create_writes_config_meta_and_folders(tmp_path):
    with Run.create("demo", Cfg(steps=3), root=tmp_path, name="r") as run:
        run.log(1, loss=np.float32(0.5), acc=1)
    assert json.loads((tmp_path / "r" / "config.json").read_text()) == {"steps": 3}
    meta = read_meta(tmp_path / "r")
    assert meta["system"] == "demo" and meta["status"] == "finished"
    assert {"commit", "date", "python"} <= set(meta)
    assert read_metrics(tmp_path / "r")[0] == {
        "step": 1,
        "time": pytest.approx(0, abs=5),
        "loss": 0.5,
        "acc": 1,
    }
    with pytest.raises(RunError, match="already exists"):
        Run.create("demo", Cfg(), root=tmp_path, name="r")


def test_status_on_failure_and_interrupt(tmp_path):
    with pytest.raises(ZeroDivisionError), Run.create("demo", Cfg(), root=tmp_path, name="f"):
        _ = 1 / 0
    meta = read_meta(tmp_path / "f")
    assert meta["status"] == "failed" and "ZeroDivisionError" in meta["error"]
    with pytest.raises(KeyboardInterrupt), Run.create("demo", Cfg(), root=tmp_path, name="i"):
        raise KeyboardInterrupt
    assert read_meta(tmp_path / "i")["status"] == "interrupted"


def test_checkpoints_keep_newest_and_restore_truncates_metrics(tmp_path):
    run = Run.create("demo", Cfg(), root=tmp_path, name="c")
    for step in range(1, 7):
        run.log(step, x=step)
        if step % 2 == 0:
            run.save_checkpoint(step, {"w": np.full(3, step), "note": f"s{step}"})
    run.log(7, x=7)
    names = sorted(p.name for p in (run.path / "checkpoints").iterdir())
    assert names == ["step_000000002.npz", "step_000000004.npz", "step_000000006.npz"]
    run.keep_checkpoints = 1
    run.save_checkpoint(8, {"w": np.zeros(1), "note": "s8"})
    assert [p.name for p in (run.path / "checkpoints").iterdir()] == ["step_000000008.npz"]
    (run.path / "checkpoints" / "step_000000008.npz").unlink()
    (run.path / "checkpoints" / "step_000000006.npz").write_bytes(b"")  # not a checkpoint any more
    run.save_checkpoint(6, {"w": np.full(3, 6), "note": "s6"})

    resumed = Run.resume(run.path, "demo", Cfg)
    step, state = resumed.restore()
    assert step == 6 and state["note"] == "s6" and state["w"].tolist() == [6, 6, 6]
    assert [r["step"] for r in resumed.metrics()] == [1, 2, 3, 4, 5, 6]  # row 7 is dropped
    assert read_meta(run.path)["resumes"] == 1


def test_torn_metric_line_is_skipped(tmp_path):
    run = Run.create("demo", Cfg(), root=tmp_path, name="t")
    run.log(1, x=1)
    with open(run.path / "metrics.jsonl", "a") as f:
        f.write('{"step": 2, "x"')  # killed mid-write
    assert read_metrics(run.path) == [{"step": 1, "time": pytest.approx(0, abs=5), "x": 1}]


def test_resume_checks_system_and_directory(tmp_path):
    Run.create("demo", Cfg(), root=tmp_path, name="d").finish()
    with pytest.raises(RunError, match="not 'other'"):
        Run.resume(tmp_path / "d", "other", Cfg)
    with pytest.raises(RunError, match="not a run directory"):
        Run.resume(tmp_path, "demo", Cfg)


def test_artifacts_stay_inside_the_run(tmp_path):
    run = Run.create("demo", Cfg(), root=tmp_path, name="a")
    assert run.artifact("sub/x.png").parent == run.path / "artifacts" / "sub"
    for bad in ("../x", "/tmp/x"):
        with pytest.raises(RunError):
            run.artifact(bad)


def test_tensorboard_events(tmp_path):
    pytest.importorskip("tensorboardX")
    with Run.create("demo", Cfg(), root=tmp_path, name="tb", tensorboard=True) as run:
        run.log(1, loss=0.25)
    events = list((tmp_path / "tb" / "tensorboard").glob("events.out.tfevents.*"))
    assert events and events[0].stat().st_size > 0


def test_provenance_names_the_commit_the_caller_shipped(monkeypatch):
    from openended.core.runs import provenance

    monkeypatch.setenv("OPENENDED_COMMIT", "abc123")
    p = provenance()
    assert p["commit"] == "abc123" and "OPENENDED_COMMIT" in p["note"] and p["dirty"] is None
    monkeypatch.delenv("OPENENDED_COMMIT")
    assert provenance()["commit"] != "abc123"
