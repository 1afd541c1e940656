"""Medal ladders: committed ladders match the current splits, recomputation, medal rules, and the user's
ladder file (in the user's cache, never through a planted link, ignored when broken)."""

import json
from pathlib import Path

import pytest

from openended.aira import ladder as ladders
from openended.aira.tasks import registry
from openended.cli import main


def test_committed_ladders_belong_to_the_current_splits(prepared_suite):
    committed = ladders.committed()["tasks"]
    for name, p in prepared_suite.items():
        stamp = p.checksums()
        assert name in committed, f"no committed ladder for {name}: openended aira ladder --write"
        assert committed[name]["checksums"] == stamp, f"{name}: split changed since its ladder was computed"
        entry = committed[name]
        better = min if entry["lower_is_better"] else max
        board = [entry["gold"], entry["silver"], entry["bronze"]]
        assert board == sorted(board, reverse=not entry["lower_is_better"])
        assert better(entry["scores"]["dummy"], entry["bronze"]) == entry["bronze"], name


def test_ladder_recomputes_on_a_tiny_task_and_medals_follow_the_rules(tmp_path):
    p = registry()["diabetes"].prepare(tmp_path, 0)
    entry = ladders.compute(p)
    assert entry["scores"] == pytest.approx(ladders.committed()["tasks"]["diabetes"]["scores"], rel=1e-3)
    lad = {"median": 0.8, "bronze": 0.85, "silver": 0.9, "gold": 0.95, "lower_is_better": False}
    assert ladders.medal(0.96, lad)["medal"] == "gold"
    assert ladders.medal(0.9, lad)["medal"] == "silver"
    assert ladders.medal(0.86, lad)["medal"] == "bronze"
    out = ladders.medal(0.8, lad)
    assert out["medal"] is None and not out["above_median"] and not out["any_medal"]
    low = {"median": 10, "bronze": 8, "silver": 6, "gold": 5, "lower_is_better": True}
    assert ladders.medal(5.0, low)["gold_medal"] and ladders.medal(9.0, low)["above_median"]
    assert ladders.medal(None, low)["score"] is None


def test_ladders_go_to_the_users_cache_where_runs_find_them(tmp_path, monkeypatch):
    from openended.aira import ladder
    from openended.aira.tasks import get

    monkeypatch.setenv("OPENENDED_CACHE", str(tmp_path / "cache"))
    package = Path(ladder.__file__).with_name("ladders.json")
    before = package.read_bytes()
    assert main(["aira", "ladder", "--suite", "iris", "--root", str(tmp_path / "splits")]) == 0
    assert package.read_bytes() == before  # the installed package is never written
    written = json.loads((tmp_path / "cache" / "aira" / "ladders.json").read_text())["tasks"]["iris"]
    assert written["source"] == "user"
    # a split the committed ladders do not cover (seed 0, but a changed file) finds the user's ladder
    monkeypatch.setattr(ladder, "committed", lambda: {"tasks": {}})
    prepared = get("iris").prepare(tmp_path / "splits" / "iris", 0)
    assert ladder.ladder_for(prepared, 0) == written


def test_a_ladder_never_goes_through_a_planted_link_and_a_broken_one_is_ignored(
    tmp_path, monkeypatch, capsys
):
    cache = tmp_path / "cache" / "aira"
    cache.mkdir(parents=True)
    victim = tmp_path / "root-only.txt"
    victim.write_text("precious")
    (cache / "ladders.tmp").symlink_to(victim)
    monkeypatch.setenv("OPENENDED_CACHE", str(tmp_path / "cache"))
    assert main(["aira", "ladder", "--suite", "iris", "--root", str(tmp_path / "splits")]) == 0
    assert victim.read_text() == "precious"
    assert json.loads((cache / "ladders.json").read_text())["tasks"]["iris"]["source"] == "user"
    (cache / "ladders.json").write_text("{not json")
    with pytest.warns(UserWarning, match="is not a ladder file"):
        assert main(["aira", "tasks", "--suite", "iris"]) == 0
    assert "iris" in capsys.readouterr().out


def test_thresholds_rank_the_four_pipelines_after_the_dummy():
    names = ("dummy", "linear", "gbm", "gbm_tuned", "ensemble")
    # the dummy scores best here and still is no rung: only the four pipelines after it form the board
    scores = {"dummy": 0.99, "linear": 0.7, "gbm": 0.9, "gbm_tuned": 0.8, "ensemble": 0.6}
    high = ladders.thresholds(scores, names, lower=False)
    assert (high["gold"], high["silver"], high["bronze"]) == (0.9, 0.8, 0.7)
    assert high["median"] == pytest.approx(0.75) and high["lower_is_better"] is False
    low = ladders.thresholds(scores, names, lower=True)
    assert (low["gold"], low["silver"], low["bronze"], low["median"]) == (0.6, 0.7, 0.8, pytest.approx(0.75))


def test_a_score_on_a_threshold_earns_that_medal_and_above_median_is_strict():
    lad = {"median": 0.75, "bronze": 0.7, "silver": 0.8, "gold": 0.9, "lower_is_better": False}
    assert ladders.medal(0.9, lad)["medal"] == "gold"
    out = ladders.medal(0.75, lad)
    assert out["medal"] == "bronze" and out["any_medal"] and not out["above_median"]
    assert (out["gold_medal"], out["silver_medal"], out["bronze_medal"]) == (False, False, True)
    assert ladders.medal(0.69, lad)["medal"] is None
    low = {"median": 0.75, "bronze": 0.8, "silver": 0.7, "gold": 0.6, "lower_is_better": True}
    assert ladders.medal(0.7, low)["medal"] == "silver" and ladders.medal(0.7, low)["above_median"]
    assert ladders.medal(0.81, low)["medal"] is None


def test_a_cached_ladder_is_used_for_the_split_it_was_computed_on(tmp_path):
    prepared = registry()["iris"].prepare(tmp_path / "split", 1)
    cache = tmp_path / "ladder.json"
    entry = {"gold": 1.0, "silver": 0.9, "bronze": 0.8, "median": 0.85, "lower_is_better": False}
    cache.write_text(json.dumps({**entry, "checksums": prepared.checksums()}))
    assert ladders.ladder_for(prepared, 1, cache=cache) == {**entry, "checksums": prepared.checksums()}
    # at seed 0 the committed ladder of the same task and split comes first
    prepared0 = registry()["iris"].prepare(tmp_path / "split0", 0)
    cache.write_text(json.dumps({**entry, "checksums": prepared0.checksums()}))
    assert ladders.ladder_for(prepared0, 0, cache=cache) == ladders.committed()["tasks"]["iris"]
