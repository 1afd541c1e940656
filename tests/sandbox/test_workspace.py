"""The harness's side of a workspace: what hostile code leaves behind is read, listed, chowned and removed
without following a link, recursing, blocking or reading past a cap."""

import os
import stat
import sys
import threading
import uuid
from pathlib import Path

import pytest

from openended.sandbox import Limits, Sandbox, WorkspaceError
from openended.sandbox import workspace as W


def deep(root: Path, depth: int) -> Path:
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(depth):  # relative to a descriptor: the full path would pass PATH_MAX
        os.mkdir("d", dir_fd=fd)
        sub = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = sub
    os.close(fd)
    return root


def test_reads_a_regular_file_and_refuses_links_at_any_component(host):
    ws, secret = host
    (ws / "ok.csv").write_bytes(b"id,y\n0,1\n")
    assert W.read(ws, "ok.csv", 1 << 20) == b"id,y\n0,1\n"
    (ws / "sub").mkdir()
    (ws / "sub" / "f.csv").write_bytes(b"x")
    assert W.read(ws, "sub/f.csv", 10) == b"x"
    (ws / "link.csv").symlink_to(secret)
    (ws / "rel.csv").symlink_to("../private/answers.csv")
    (ws / "dirlink").symlink_to(secret.parent)
    for name, message in [
        ("link.csv", "symbolic link"),
        ("rel.csv", "symbolic link"),
        ("dirlink/answers.csv", "not a plain directory"),
        ("../private/answers.csv", "not a path inside"),
    ]:
        with pytest.raises(WorkspaceError, match=message) as e:
            W.read(ws, name, 1 << 20)
        assert "SECRET" not in str(e.value) and str(secret) not in str(e.value)
    # a link to an existing and to a missing host file: the same message, so no oracle of the host's files
    (ws / "a.csv").symlink_to("/etc/passwd")
    (ws / "b.csv").symlink_to(f"/nonexistent-{uuid.uuid4().hex}")
    messages = set()
    for name in ("a.csv", "b.csv"):
        with pytest.raises(WorkspaceError) as e:
            W.read(ws, name, 1 << 20)
        messages.add(str(e.value).replace(name, "X"))
    assert len(messages) == 1


def test_reads_only_regular_files_with_one_link_under_the_cap_and_never_blocks(host):
    ws, _ = host
    os.mkfifo(ws / "fifo.csv")  # opening a FIFO for reading would wait for a writer forever
    (ws / "dir.csv").mkdir()
    (ws / "own.csv").write_bytes(b"a,b\n")
    os.link(ws / "own.csv", ws / "hard.csv")
    with open(ws / "sparse.csv", "wb") as f:
        f.truncate(500 << 20)  # 500 MB that take no disk: refused by its size, before any byte is read
    done = threading.Event()
    errors = {}

    def attempt():
        for name in ("fifo.csv", "dir.csv", "hard.csv", "sparse.csv", "missing.csv"):
            try:
                W.read(ws, name, 64 << 20)
            except WorkspaceError as e:
                errors[name] = str(e)
        done.set()

    threading.Thread(target=attempt, daemon=True).start()
    assert done.wait(10), "reading a FIFO blocked the harness"
    assert "not a regular file" in errors["fifo.csv"]
    assert "not a regular file" in errors["dir.csv"]
    assert "2 hard links" in errors["hard.csv"]
    assert "524,288,000 bytes, more than the 67,108,864" in errors["sparse.csv"]
    assert errors["missing.csv"] == "no file missing.csv"


def test_walks_and_removes_a_tree_deeper_than_the_recursion_limit_and_path_max(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    depth = sys.getrecursionlimit() + 4000  # "d/" x 5000 is also far past PATH_MAX
    deep(ws, depth)
    (ws / "f.txt").write_text("x")
    listed = list(W.walk(ws))  # enters MAX_DEPTH levels and says where it stopped
    assert len(listed) == W.MAX_DEPTH + 2 and [p for p, info in listed if info is None] == ["d/" * 63 + "d"]
    assert W.files(ws, 10) == ["f.txt"]
    assert W.usage(ws, 1 << 30, 100)  # more entries than allowed
    W.remove(ws)
    assert not ws.exists()


def test_remove_and_chown_act_on_links_never_their_targets(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    os.chmod(outside / "keep.txt", 0o600)
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "to_dir").symlink_to(outside)
    (ws / "to_file").symlink_to(outside / "keep.txt")
    (ws / "locked").mkdir()
    (ws / "locked" / "inner").mkdir()
    (ws / "locked" / "inner" / "x").write_text("x")
    os.chmod(ws / "locked" / "inner", 0)
    os.chmod(ws / "locked", 0)
    before = os.stat(outside / "keep.txt")
    W.chown(ws, os.getuid(), os.getgid())
    after = os.stat(outside / "keep.txt")
    assert (after.st_uid, after.st_mode) == (before.st_uid, before.st_mode)
    W.remove(ws)
    assert not ws.exists()
    assert (outside / "keep.txt").read_text() == "keep"


def test_fresh_replaces_leftovers_and_write_never_goes_through_a_link(tmp_path):
    target = tmp_path / "root-only"
    target.write_text("precious")
    os.chmod(target, 0o600)
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "solution.py").symlink_to(target)
    with pytest.raises(FileExistsError):
        W.write(ws, "solution.py", b"owned")
    assert target.read_text() == "precious"
    W.fresh(ws)
    assert list(ws.iterdir()) == []
    W.write(ws, "solution.py", b"print(1)")
    assert (ws / "solution.py").read_bytes() == b"print(1)"
    assert target.read_text() == "precious" and stat.S_IMODE(target.stat().st_mode) == 0o600
    # a workspace path that is itself a link is replaced by a directory; the link's target stays
    W.remove(ws)
    (tmp_path / "ws").symlink_to(tmp_path)
    W.fresh(tmp_path / "ws")
    assert (tmp_path / "ws").is_dir() and not (tmp_path / "ws").is_symlink()
    assert target.read_text() == "precious"


def test_a_sandbox_runs_only_in_a_new_or_empty_workspace_and_deletes_nothing(tmp_path, bwrap_ok):
    box = Sandbox(Limits(timeout_s=20))
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not empty"):
        box.run("print(1)", used)
    assert (used / "notes.txt").read_text() == "mine"
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ValueError, match="not a directory"):
        box.run("print(1)", tmp_path / "link")
    assert not (tmp_path / "elsewhere").exists()
    assert box.run("print(1)", tmp_path / "new" / "ws").output == "1\n"
    (tmp_path / "empty").mkdir()
    assert box.run("print(2)", tmp_path / "empty").output == "2\n"


def test_walk_does_not_enter_a_directory_swapped_for_a_link(tmp_path, monkeypatch):
    # the disk check walks while the code runs: a directory replaced by a link between listing and
    # entering must not lead the walk out of the workspace
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "host-file").write_text("x")
    ws = tmp_path / "ws"
    (ws / "a").mkdir(parents=True)
    real_entries = W._entries

    def list_then_swap(fd, room):
        listed = real_entries(fd, room)
        if (ws / "a").is_dir() and not (ws / "a").is_symlink():
            os.rmdir(ws / "a")
            (ws / "a").symlink_to(outside)
        return listed

    monkeypatch.setattr(W, "_entries", list_then_swap)
    assert [p for p, _ in W.walk(ws)] == ["a"]
    assert (ws / "a").is_symlink()


def test_a_tree_deeper_than_the_walk_enters_counts_against_the_disk_limit(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    deep(ws, W.MAX_DEPTH + 5)
    assert W.usage(ws, 1 << 30, 10_000)
    assert sum(info is None for _, info in W.walk(ws)) == 1
    shallow = tmp_path / "shallow"
    shallow.mkdir()
    deep(shallow, W.MAX_DEPTH - 1)
    assert not W.usage(shallow, 1 << 30, 10_000)
    W.remove(ws)
