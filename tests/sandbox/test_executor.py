"""The sandbox as the harness uses it: ordinary code runs with its data, an interrupted or stopped run leaves
nothing running and keeps what it printed, isolation must be asked for, the read-back (two layers) returns
a workspace file's bytes and nothing else."""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from openended.sandbox import Limits, Sandbox, WorkspaceError, check, executor
from tests.sandbox.helpers import _processes_with, run


def test_ordinary_code_runs_with_its_data_and_writes_its_workspace(box):
    tmp, data, _, _ = box
    r = run(
        tmp,
        data,
        """
        import pandas as pd, sklearn, os
        df = pd.read_csv("data/train.csv")
        df.to_csv("submission.csv", index=False)
        print(len(df), os.getcwd())
        """,
    )
    assert r.ok, r.output
    assert r.output.strip() == "1 /workspace"
    assert r.files == ["submission.csv"]
    assert (tmp / "ws" / "submission.csv").read_text() == "x,y\n1,2\n"


def test_an_interrupted_harness_leaves_nothing_running(box):
    import _thread

    tmp, data, _, _ = box
    # Ctrl-C is a KeyboardInterrupt only under Python's own SIGINT handler, and interrupt_main does nothing
    # under another: set it for this test whatever a library earlier in the session left installed
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(2.0, _thread.interrupt_main)  # Ctrl-C while the code runs
    marker = f"interrupted_{uuid.uuid4().hex[:12]}"
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            Sandbox(Limits(timeout_s=60)).run(
                "import time\ntime.sleep(60)\n", tmp / "ws", data, f"{marker}.py"
            )
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    time.sleep(0.3)
    assert _processes_with(marker) == []


def test_what_a_stopped_run_printed_is_kept_though_it_never_flushed(box):
    # python -I ignores PYTHONUNBUFFERED: without -u a run stopped at its limit lost everything it printed
    tmp, data, _, _ = box
    r = run(tmp, data, 'import time\nprint("epoch 1: loss 0.5")\ntime.sleep(60)\n', timeout_s=2)
    assert r.timed_out and "epoch 1: loss 0.5" in r.output


def test_no_isolation_must_be_asked_for_and_warns():
    with pytest.raises(ValueError, match="isolation"):
        check("docker")
    with pytest.warns(UserWarning, match="trusted code only"):
        Sandbox(isolation="none")
    with pytest.raises(ValueError, match="timeout_s"):
        Limits(timeout_s=0)


def test_an_environment_under_the_hosts_tmp_is_not_hidden_by_the_sandboxs_tmp(tmp_path, bwrap_ok):
    # a CI checkout (and its .venv) may live under /tmp, where the sandbox mounts its own scratch /tmp
    import shutil
    import tempfile

    venv = Path(tempfile.mkdtemp(dir="/tmp")) / "venv"
    try:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        sandbox = Sandbox(Limits(timeout_s=20), python=str(venv / "bin" / "python"))
        r = sandbox.run(
            "import sys; print(sys.prefix); open('/tmp/scratch', 'w').write('x')", tmp_path / "ws"
        )
    finally:
        shutil.rmtree(venv.parent)
    assert r.ok, r.output
    assert r.output.strip() == str(venv)
    assert not Path("/tmp/scratch").exists()  # the sandbox's /tmp is its own


def test_read_back_refuses_what_read_refuses_and_returns_the_bytes(host, bwrap_ok):
    ws, secret = host
    box = Sandbox(Limits(max_read_mb=1))
    (ws / "submission.csv").write_bytes(b"id,y\n0,1\n")
    assert box.read_back(ws, "submission.csv") == b"id,y\n0,1\n"
    os.remove(ws / "submission.csv")
    (ws / "submission.csv").symlink_to(secret)
    with pytest.raises(WorkspaceError, match="symbolic link"):
        box.read_back(ws, "submission.csv")
    os.remove(ws / "submission.csv")
    with open(ws / "submission.csv", "wb") as f:
        f.truncate(2 << 20)
    with pytest.raises(WorkspaceError, match="more than the 1,048,576"):
        box.read_back(ws, "submission.csv")


def test_read_back_helper_cannot_reach_the_host_even_if_its_reader_follows_links(host, bwrap_ok, monkeypatch):
    # the second layer on its own: replace the careful reader by one that follows every link; the helper's
    # sandbox holds nothing but the workspace, so the answers are still out of reach
    ws, secret = host
    naive = "import sys, os\nsys.stdout.buffer.write(open(os.path.join(*sys.argv[1:3]), 'rb').read())"
    monkeypatch.setattr(executor, "_READ_BACK", naive)
    box = Sandbox(Limits())
    (ws / "plain.csv").write_bytes(b"fine")
    assert box.read_back(ws, "plain.csv") == b"fine"  # the naive reader works
    for target in (str(secret), f"../{secret.parent.name}/{secret.name}", "/proc/1/environ"):
        link = ws / "submission.csv"
        if link.is_symlink():
            link.unlink()
        link.symlink_to(target)
        with pytest.raises(WorkspaceError, match="could not be read back"):
            box.read_back(ws, "submission.csv")
    assert secret.read_text().startswith("id,y")


def test_the_output_keeps_its_head_and_tail_and_counts_what_it_skipped():
    def tee(data, keep=10, stop_after=100):
        read_fd, write_fd = os.pipe()
        overflow = threading.Event()
        t = executor._Tee(read_fd, keep, stop_after, overflow)
        os.write(write_fd, data)
        os.close(write_fd)
        t.thread.join(timeout=10)
        return t, overflow.is_set()

    t, over = tee(b"A" * 10 + b"B" * 50 + b"C" * 10)
    assert t.text() == "A" * 10 + "\n... [50 bytes of output skipped] ...\n" + "C" * 10
    assert t.total == 70 and not over
    t, over = tee(b"hello, world")  # no more than head and tail: all of it, nothing skipped
    assert t.text() == "hello, world" and not over
    t, over = tee(b"x" * 101)  # past stop_after: the harness is told to stop the run
    assert over and t.total == 101


def test_what_the_agent_sees_of_a_result_says_why_the_run_stopped():
    ok = executor.ExecutionResult("Validation metric: 0.9", 0, 1.24)
    assert ok.ok and ok.for_llm(60) == "Validation metric: 0.9\nExecution time: 1.2 s (time limit is 60 s)"
    stopped = executor.ExecutionResult("epoch 1\n", -9, 60.0, timed_out=True, killed="timeout")
    assert not stopped.ok and "TimeoutError: the run was stopped at the time limit." in stopped.for_llm()
    assert not executor.ExecutionResult("", 1, 0.1).ok  # a non-zero exit
    assert not executor.ExecutionResult("", 0, 0.1, killed="disk limit").ok  # stopped, though it exited 0
    assert executor.ExecutionResult("MemoryError\n", 1, 0.1).out_of_memory
    with pytest.raises(ValueError, match="processes must be >= 4"):
        Limits(processes=3)
    with pytest.raises(ValueError, match="max_read_mb"):
        Limits(max_read_mb=0)
