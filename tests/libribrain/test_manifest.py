"""LibriBrain100's run keys, partitions and selectors, against pnpl 0.2.0's manifest where it is installed and
against counts recorded from it otherwise."""

import os

import pytest

from openended.libribrain import manifest as M

os.environ.setdefault("PNPL_REMOTE_CONSTANTS_DISABLED", "true")


def test_counts_recorded_from_pnpl_0_2():
    assert len(M.RECORDS) == 226 and len(set(M.RUN_KEYS)) == 226
    parts = [r.partition for r in M.RECORDS]
    assert (parts.count("train"), parts.count("validation"), parts.count("test")) == (156, 35, 35)
    assert sum(r.subject == "0" for r in M.RECORDS) == 162
    # sub-0's Sherlock1 sessions 11/12 are run 2, the broad subjects' are run 1; Sherlock9 starts at session 0
    assert M.BY_KEY[("0", "11", "Sherlock1", "2")].partition == "validation"
    assert M.BY_KEY[("7", "12", "Sherlock1", "1")].partition == "test"
    assert ("0", "0", "Sherlock9", "1") in M.BY_KEY
    assert M.BY_KEY[("0", "2", "MOCHATIMIT", "1")].partition == "validation"
    assert M.BY_KEY[("0", "30", "TheMoth", "1")].corpus == "podcasts"


def test_the_manifest_is_pnpls():
    pnpl_manifest = pytest.importorskip("pnpl.datasets.libribrain100.manifest")
    theirs = pnpl_manifest.RUN_RECORDS
    assert [r.run_key for r in theirs] == list(M.RUN_KEYS)  # same keys, same order
    for r in theirs:
        ours = M.BY_KEY[r.run_key]
        assert (ours.partition, ours.corpus) == (r.partition, r.corpus)
        assert ours.release.lower() == r.repo


def test_selectors_like_pnpls():
    pnpl_manifest = pytest.importorskip("pnpl.datasets.libribrain100.manifest")
    deep, broad = {"0"}, set(M.BROAD_SUBJECTS)
    cases = [
        ({"subjects": "deep", "corpus": "sherlock", "partition": "validation"},
         (deep, {"sherlock"}, "validation")),
        ({"subjects": "broad", "corpus": "sherlock", "partition": "test"}, (broad, {"sherlock"}, "test")),
        ({"subjects": ["sub-05", 7], "corpus": "all", "partition": None}, ({"5", "7"}, set(M.CORPORA), None)),
        ({"subjects": 0, "corpus": ["Moth", "mocha-timit"], "partition": "train"},
         (deep, {"podcasts", "mocha"}, "train")),
    ]  # fmt: skip
    for kwargs, (subs, corpus, part) in cases:
        theirs = [
            r.run_key for r in pnpl_manifest.select_records(subjects=subs, corpus=corpus, partition=part)
        ]
        assert M.select(**kwargs) == theirs


def test_bad_selectors_are_errors_that_name_them():
    with pytest.raises(M.SelectionError, match="subjects 1–32 have validation and test runs only"):
        M.select("train", subjects="broad")
    with pytest.raises(M.SelectionError, match="corpus: 'librispeech'"):
        M.select(corpus="librispeech")
    with pytest.raises(M.SelectionError, match="partition"):
        M.select("holdout")
    with pytest.raises(M.SelectionError, match="not a subject id"):
        M.select(subjects="sub-x")
    with pytest.raises(M.SelectionError, match="not a LibriBrain100 run"):
        M.select(include=[("0", "99", "Sherlock1", "1")])
    with pytest.raises(M.SelectionError, match="both included and excluded"):
        M.select(include=[("0", "1", "TIMIT", "1")], exclude=[("0", "1", "TIMIT", "1")])
    assert M.select(include=[("0", "1", "TIMIT", "1")]) == [("0", "1", "TIMIT", "1")]
    assert ("0", "1", "TIMIT", "1") not in M.select(subjects="deep", exclude=[("0", "1", "TIMIT", "1")])
