"""``openended ued train | eval | render`` from the command line."""

import json

from openended.cli import main
from openended.core.runs import read_meta


def test_cli_train_eval_render(tmp_path, capsys):
    args = [
        "ued",
        "train",
        "--algorithm",
        "dr",
        "--num-envs",
        "4",
        "--num-steps",
        "16",
        "--num-updates",
        "4",
        "--max-episode-steps",
        "16",
        "--eval-every",
        "4",
        "--eval-attempts",
        "1",
        "--eval-random-levels",
        "2",
        "--ppo.lstm-features",
        "8",
        "--runs-root",
        str(tmp_path),
        "--name",
        "cli",
    ]
    assert main(args) == 0
    assert (
        main(["ued", "eval", str(tmp_path / "cli"), "--levels", "SmallRoom", "Corridor", "--attempts", "3"])
        == 0
    )
    out = capsys.readouterr().out
    assert "solve/Corridor" in out and (tmp_path / "cli" / "artifacts" / "eval_step4.json").is_file()
    perfect = ["--levels", "SmallRoom", "--perfect-mazes", "PerfectMazeMedium", "--perfect-levels", "1"]
    assert main(["ued", "eval", str(tmp_path / "cli"), *perfect, "--attempts", "1"]) == 0
    written = json.loads((tmp_path / "cli" / "artifacts" / "eval_step4.json").read_text())
    assert 0.0 <= written["solve/PerfectMazeMedium"] <= 1.0 and "solve/Corridor" not in written
    assert main(["ued", "eval", str(tmp_path / "cli"), "--perfect-mazes", "PerfectMazeHuge"]) == 2
    meta = read_meta(tmp_path / "cli")
    assert meta["resumes"] == 0 and meta["status"] == "finished"  # evaluating leaves the run as it was
    assert main(["ued", "render", "--random", "3", "--walls", "20", "--out", str(tmp_path / "r.png")]) == 0
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["ued", "train", "--algorithm", "dr", "--eval-levels", "Nowhere"]) == 2
    assert main(["ued", "train", "--algorithm", "dr", "--eval-perfect-mazes", "PerfectMazeHuge"]) == 2


def test_render_named_prefabs(tmp_path, capsys):
    out = tmp_path / "prefabs.png"
    assert main(["ued", "render", "--prefab", "Corridor", "SmallRoom", "--out", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG" and capsys.readouterr().out.strip() == str(out)


def test_eval_refuses_directories_that_are_not_ued_runs(tmp_path, capsys):
    assert main(["ued", "eval", str(tmp_path)]) == 2
    assert "not a run directory" in capsys.readouterr().err
    (tmp_path / "run.json").write_text(json.dumps({"system": "gdr", "status": "finished"}))
    assert main(["ued", "eval", str(tmp_path)]) == 2
    assert "is not a ued run" in capsys.readouterr().err
