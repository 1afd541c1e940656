import argparse
import json
import subprocess
import sys

import pytest

from openended import systems
from openended.cli import build_parser, main


def all_parsers(parser, prefix=()):
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from all_parsers(sub, (*prefix, name))


def test_help_everywhere(capsys):
    seen = []
    for path, _ in all_parsers(build_parser()):
        with pytest.raises(SystemExit) as exit_:
            main([*path, "--help"])
        assert exit_.value.code == 0
        assert "usage: openended" in capsys.readouterr().out
        seen.append(path)
    assert ("map-elites", "run") in seen and ("tour",) in seen and ("report",) in seen


def test_systems_lists_every_system(capsys):
    assert main(["systems"]) == 0
    out = capsys.readouterr().out
    for s in systems.SYSTEMS:
        assert s.name in out
    assert "map-elites" in out and "available" in out


def test_bad_config_value_exits_nonzero_naming_the_field(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "openended",
            "map-elites",
            "run",
            "--iso-sigma",
            "-0.5",
            "--runs-root",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "iso_sigma" in proc.stderr and ">= 0.0" in proc.stderr
    assert not list(tmp_path.iterdir()), "no run directory is created for an invalid config"


def test_bad_config_file_value(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("bins = -3\n")
    assert main(["map-elites", "run", "--config", str(cfg), "--runs-root", str(tmp_path)]) == 2
    assert "bins" in capsys.readouterr().err


def test_resume_refuses_new_config_values(tmp_path, capsys):
    assert main(["map-elites", "run", "--resume", str(tmp_path), "--bins", "3"]) == 2
    assert "--resume" in capsys.readouterr().err


def test_report_command_rewrites_the_report(tmp_path, capsys):
    assert main(["map-elites", "run", "--iterations", "20", "--runs-root", str(tmp_path), "--name", "r"]) == 0
    run_dir = tmp_path / "r"
    (run_dir / "report.html").unlink()
    assert main(["report", str(run_dir)]) == 0
    html = (run_dir / "report.html").read_text()
    assert "Final archive" in html and "data:image/png;base64," in html
    assert main(["report", str(tmp_path)]) == 2
    assert "not a run directory" in capsys.readouterr().err


def test_tour_only_writes_index_linking_reports(tmp_path):
    out = tmp_path / "tour"
    assert main(["tour", "--only", "map-elites", "--out", str(out)]) == 0
    html = (out / "index.html").read_text()
    state = json.loads((out / "tour.json").read_text())
    assert state["map-elites"]["status"] == "ok"
    link = state["map-elites"]["report"]
    assert f'href="{link}"' in html and (out / link).is_file()
    assert "data:image/png;base64," in html
    planned = [s.name for s in systems.SYSTEMS if not s.implemented]
    if planned:  # asking for a system that does not exist yet says so and fails
        assert main(["tour", "--only", planned[0], "--out", str(out)]) == 1
    assert main(["tour", "--only", "nonsense", "--out", str(out)]) == 2


def test_bad_input_is_one_line_and_leaves_no_half_made_run(tmp_path, capsys):
    """A missing data folder (LibriBrain's DataError) is one error line, and the run it would have made is
    gone; a system's own input errors all derive from core.errors.UserError, which the CLI catches."""
    runs = tmp_path / "runs"
    code = main(
        ["libribrain", "train", "--data-root", str(tmp_path / "absent"), "--runs-root", str(runs),
         "--name", "r", "--no-report"]
    )  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("openended: error:") and "absent" in err[0]
    assert not (runs / "r").exists()


def test_a_run_that_made_something_is_kept_after_bad_input(tmp_path):
    """Only a run that produced nothing is removed: one with a checkpoint keeps its directory."""
    from openended.core.commands import Experiment, execute
    from openended.core.config import Config
    from openended.core.errors import UserError

    class _Cfg(Config):
        pass

    def checkpoint_then_fail(run):  # type: ignore[no-untyped-def]
        run.save_checkpoint(1, {"x": 1})
        raise UserError("bad row 3 of data.csv")

    with pytest.raises(UserError):
        execute(Experiment("t", _Cfg, checkpoint_then_fail), root=tmp_path, name="kept", report=False)
    assert (tmp_path / "kept" / "checkpoints").is_dir() and any((tmp_path / "kept" / "checkpoints").iterdir())

    def fail(run):  # type: ignore[no-untyped-def]
        raise UserError("bad row 3 of data.csv")

    with pytest.raises(UserError):
        execute(Experiment("t", _Cfg, fail), root=tmp_path, name="gone", report=False)
    assert not (tmp_path / "gone").exists()
