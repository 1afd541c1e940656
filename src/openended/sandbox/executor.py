"""Run untrusted Python in a fresh, isolated process: one call, one solution file, one result.

Layers, each of which holds on its own (tests/sandbox/test_hostile.py attacks every one):

- **bubblewrap** builds a new root that contains only the system libraries, the Python environment, the
  writable workspace and the task's public data (read-only). Nothing else of the host is mounted: not the
  project checkout, not the user's home, not the private answers. New PID, network, IPC and UTS namespaces:
  the network is a loopback of its own (connect → "Network is unreachable"); host processes are invisible;
  when the sandbox's init dies every process inside dies with it, daemons included.
- **Unprivileged user.** Run by root, the sandbox drops to ``nobody`` (65534) with no capabilities and
  ``no_new_privs`` before the code starts, so it owns only the workspace and the process limit applies
  (the kernel exempts root from it). Run by another user, bubblewrap's user namespace does the same.
- **Limits** (setrlimit): address space (memory bomb → ``MemoryError``), file size, processes (fork bomb →
  ``BlockingIOError``), CPU time, no core dumps. Thread pools of numpy, OpenMP and BLAS are pinned. The
  in-memory ``/tmp`` and ``/dev/shm`` are sized (a full one → ``OSError`` ENOSPC), so files there cannot
  take the host's memory.
- **Scrubbed environment**: the code sees a fixed list of variables, never the caller's (keys, tokens).
- **Harness side**: own session and process group, wall-clock timeout → SIGKILL to the group (the PID
  namespace then takes the rest), output read through a pipe keeping only the head and the tail, a run that
  prints without end is stopped at ``max_output_mb``. The workspace (host disk) is measured every
  ``DISK_CHECK_S``: a run whose files take more than ``disk_mb`` or number more than ``max_files`` is stopped
  (many files each under the file-size limit would otherwise fill the disk until the timeout). Between two
  checks the code can still write at disk speed, so the bound is ``disk_mb`` plus that much.

``isolation="none"`` keeps the limits, the timeout and the scrubbed environment but shares the host's
filesystem, network and process table: for trusted code on machines without bubblewrap, never the default.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import warnings
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from openended.sandbox import workspace as workspace_io
from openended.sandbox.workspace import WorkspaceError

NOBODY = 65534
WORKSPACE = "/workspace"  # the code's working directory inside the sandbox
ISOLATIONS = ("bwrap", "none")
DISK_CHECK_S = 0.5  # how often the harness measures the workspace
FREEZE_ROUNDS = 8  # passes to stop every process of a sandbox before measuring (forks race the first ones)
FREEZE_WAIT_S = 0.05  # per pass, how long to wait for stops to take effect
READ_BACK_TIMEOUT_S = 60.0  # the read-back helper reads one capped file: seconds are plenty
# what a program inside may see of the host's /etc: the dynamic linker's cache and name lookups of users
ETC_FILES = ("ld.so.cache", "ld.so.conf", "passwd", "group", "nsswitch.conf", "localtime", "hosts")


class SandboxUnavailable(RuntimeError):
    """The requested isolation cannot be set up on this machine."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one execution. Defaults fit the CPU task suite; aira-dojo gives 4 h per solution
    on a GPU node (``execution_timeout: 14400`` in its ``src/dojo/configs/solver/*.yaml``) — pass larger
    limits for such tasks."""

    timeout_s: float = 600.0
    memory_mb: int = 4096  # address space; numpy + pandas + scikit-learn need ~1 GB of it
    file_size_mb: int = 512  # largest file the code may write; also the size of /tmp and of /dev/shm
    disk_mb: int = 2048  # all the files in the workspace together
    max_files: int = 10_000  # files and directories in the workspace
    processes: int = 128  # tasks (processes and threads) of the sandbox user
    threads: int = 1  # OMP/BLAS/MKL thread pools: 2 threads were 12-26x slower than 1 on a loaded 2-core box
    max_output_mb: float = 16.0  # printing beyond this stops the run
    max_read_mb: float = 64.0  # largest file the harness reads back from a workspace (e.g. a submission)
    open_files: int = 1024  # descriptors per process (the usual default soft limit)
    keep_chars: int = 2500  # head and tail of the output kept for the journal and the LLM (aira-dojo: 2,500)

    def __post_init__(self) -> None:
        positive = (
            "timeout_s",
            "memory_mb",
            "file_size_mb",
            "disk_mb",
            "max_files",
            "processes",
            "threads",
            "open_files",
        )
        for name in (*positive, "max_output_mb", "max_read_mb"):
            if getattr(self, name) <= 0:
                raise ValueError(f"Limits.{name} must be > 0, got {getattr(self, name)}")
        if self.processes < 4:
            raise ValueError("Limits.processes must be >= 4: the sandbox itself needs a few")


@dataclass
class ExecutionResult:
    """What one execution produced. ``output`` is stdout and stderr interleaved, head and tail only."""

    output: str
    exit_code: int | None
    exec_time: float
    timed_out: bool = False
    killed: str | None = None  # "timeout", "output limit" or "disk limit" when the harness stopped it
    output_bytes: int = 0  # everything it printed, of which ``output`` keeps head and tail
    files: list[str] = field(default_factory=list)  # workspace files after the run

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.killed is None

    @property
    def out_of_memory(self) -> bool:
        return "MemoryError" in self.output

    def for_llm(self, timeout_s: float | None = None) -> str:
        """The output as an agent sees it, with the execution-time line AIDE and aira-dojo append."""
        limit = f" (time limit is {timeout_s:.0f} s)" if timeout_s else ""
        note = {
            "timeout": "\nTimeoutError: the run was stopped at the time limit.",
            "output limit": "\nThe run was stopped: it printed too much output.",
            "disk limit": "\nThe run was stopped: it wrote too much to its working directory (too many bytes "
            "or files, or directories nested too deep), or its processes could not be paused to measure it.",
        }.get(self.killed or "", "")
        return f"{self.output}{note}\nExecution time: {self.exec_time:.1f} s{limit}"


class _Tee:
    """Drain a pipe in a thread, keep the first and last ``keep`` bytes, count all of them."""

    def __init__(self, pipe: int, keep: int, stop_after: int, on_overflow: threading.Event) -> None:
        self.head = bytearray()
        self.tail: deque[bytes] = deque()
        self.tail_len = 0
        self.total = 0
        self._keep, self._stop, self._overflow = keep, stop_after, on_overflow
        self._pipe = pipe
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        while chunk := os.read(self._pipe, 65536):
            self.total += len(chunk)
            room = self._keep - len(self.head)
            if room > 0:
                self.head += chunk[:room]
                chunk = chunk[room:]
            if chunk:
                self.tail.append(chunk)
                self.tail_len += len(chunk)
                while self.tail_len - len(self.tail[0]) >= self._keep:
                    self.tail_len -= len(self.tail.popleft())
            if self.total > self._stop:
                self._overflow.set()
        os.close(self._pipe)

    def text(self) -> str:
        tail = b"".join(self.tail)[-self._keep :]
        head = self.head.decode("utf-8", "replace")
        if self.total <= len(self.head) + len(tail):
            return head + tail.decode("utf-8", "replace")
        skipped = self.total - len(self.head) - len(tail)
        return f"{head}\n... [{skipped} bytes of output skipped] ...\n{tail.decode('utf-8', 'replace')}"


@cache
def _bwrap() -> str | None:
    return shutil.which("bwrap")


@cache
def _probe(bwrap: str) -> str | None:
    """Start an empty sandbox once; return why it fails (None if it works)."""
    try:
        r = subprocess.run(
            [bwrap, *_namespaces(), "--ro-bind", "/usr", "/usr", *_usr_links(), "/usr/bin/true"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError) as e:
        return str(e)
    return None if r.returncode == 0 else (r.stderr.strip() or f"exit code {r.returncode}")


def _namespaces() -> list[str]:
    # as root: no user namespace, so the drop to nobody below is a real uid change the process limit binds
    ns = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    return ns if os.geteuid() == 0 else ["--unshare-all"]


def _usr_links() -> list[str]:
    out: list[str] = []
    for d in ("bin", "sbin", "lib", "lib64", "lib32"):
        p = Path("/") / d
        if p.is_symlink():
            out += ["--symlink", os.readlink(p), str(p)]
        elif p.is_dir():
            out += ["--ro-bind", str(p), str(p)]
    return out


def check(isolation: str = "bwrap") -> None:
    """Raise :class:`SandboxUnavailable` with what to install when ``isolation`` cannot run here."""
    if isolation not in ISOLATIONS:
        raise ValueError(f"isolation must be one of {ISOLATIONS}, got {isolation!r}")
    if isolation == "none":
        return
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(
            "the bubblewrap sandbox needs Linux; isolation='none' runs trusted code only"
        )
    bwrap = _bwrap()
    if bwrap is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed: `apt-get install bubblewrap` (make test/tour installs it "
            "when run as root), or isolation='none' for trusted code only"
        )
    why = _probe(bwrap)
    if why:
        raise SandboxUnavailable(f"bubblewrap cannot create a sandbox here: {why}")


def _python_roots(python: str) -> list[Path]:
    """Directories the interpreter and its packages live in (prefix, base prefix, the venv's base)."""
    exe = Path(python)
    roots = {Path(sys.prefix), Path(sys.base_prefix), exe.resolve().parent.parent}
    if exe.parent.parent.joinpath("pyvenv.cfg").is_file():
        roots.add(exe.parent.parent)
    # a root under /usr is already there; the rest must exist to be bound
    return sorted(r for r in roots if r.is_dir() and not r.is_relative_to("/usr"))


def _unused_site_packages(python: str) -> list[Path]:
    """The base interpreter's site-packages when ``python`` is a virtual environment that does not use them:
    mounted with the standard library around them, they would show the code whatever else is installed."""
    cfg = Path(python).parent.parent / "pyvenv.cfg"
    if not cfg.is_file() or "include-system-site-packages = true" in cfg.read_text().lower():
        return []
    base = Path(sys.base_prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    return [base / "site-packages"]


def _dirs(dest: Path, made: set[Path]) -> list[str]:
    """Create the parents of a bind target world-traversable (bubblewrap's default is 0700)."""
    out: list[str] = []
    for parent in reversed(dest.parents):
        if parent != Path("/") and parent not in made:
            made.add(parent)
            out += ["--perms", "0755", "--dir", str(parent)]
    return out


def _environment(limits: Limits, python: str) -> dict[str, str]:
    n = str(limits.threads)
    env = {
        "PATH": f"{Path(python).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": WORKSPACE,
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TQDM_DISABLE": "1",
        "LOKY_MAX_CPU_COUNT": n,
    }
    for var in ("OMP", "OPENBLAS", "MKL", "NUMEXPR", "VECLIB_MAXIMUM", "BLIS"):
        env[f"{var}_NUM_THREADS"] = n
    return env


class Sandbox:
    """Executes code in ``workspace`` (writable, the working directory) with ``data`` mounted read-only at
    ``./data``. Grading and anything that needs private files happen outside, in the caller."""

    def __init__(
        self,
        limits: Limits | None = None,
        isolation: str = "bwrap",
        python: str | None = None,
        hidden: Sequence[str | os.PathLike] = (),
    ) -> None:
        check(isolation)
        if isolation == "none":
            warnings.warn(
                "sandbox isolation='none': the code shares this machine's files and network: "
                "trusted code only",
                stacklevel=2,
            )
        self.limits = limits or Limits()
        self.isolation = isolation
        self.python = python or sys.executable
        # directories inside the mounted Python environment that the code must not see (e.g. packages'
        # copies of a task's data, labels included): each is covered by an empty read-only directory
        self.hidden = [Path(h) for h in [*hidden, *_unused_site_packages(self.python)] if Path(h).is_dir()]

    def command(self, workspace: Path, data: Path | None, filename: str) -> list[str]:
        lim = self.limits
        if self.isolation == "none":
            return [self.python, "-I", "-u", filename]
        # the process limit is set inside, after the drop to nobody: its count is the sandbox user's
        inner = ["/usr/bin/prlimit", f"--nproc={lim.processes}:{lim.processes}", "--"]
        # -u: -I ignores PYTHONUNBUFFERED, and a run stopped at a limit must not lose what it printed
        inner += [self.python, "-I", "-u", filename]
        cmd = [_bwrap() or "bwrap", *_namespaces(), "--die-with-parent", "--new-session"]
        cmd += ["--ro-bind", "/usr", "/usr", *_usr_links()]
        # the scratch /tmp first: binds below may live under the host's /tmp (a venv in a CI checkout there)
        # and must land on top of it, not be hidden by it
        cmd += ["--perms", "1777", "--size", str(lim.file_size_mb << 20), "--tmpfs", "/tmp"]
        made: set[Path] = {Path("/tmp")}
        for name in ETC_FILES:
            src = Path("/etc") / name
            if src.exists():
                cmd += [*_dirs(src, made), "--ro-bind", str(src), str(src)]
        cmd += self._python_binds(made)
        for path in self.hidden:
            cmd += ["--perms", "0555", "--tmpfs", str(path), "--remount-ro", str(path)]
        cmd += ["--proc", "/proc", "--dev", "/dev"]
        cmd += ["--perms", "1777", "--size", str(lim.file_size_mb << 20), "--tmpfs", "/dev/shm"]
        cmd += ["--bind", str(workspace), WORKSPACE]
        if data is not None:
            cmd += ["--ro-bind", str(data), f"{WORKSPACE}/data"]
        cmd += ["--chdir", WORKSPACE, "--hostname", "sandbox"]
        return cmd + _drop_privileges() + inner

    def _python_binds(self, made: set[Path]) -> list[str]:
        out: list[str] = []
        for root in _python_roots(self.python):
            out += [*_dirs(root, made), "--ro-bind", str(root), str(root)]
        return out

    def read_back(self, workspace: str | os.PathLike, name: str) -> bytes:
        """The bytes of the regular file ``name`` in ``workspace``, for the harness to parse as a copy.

        Two layers: the reader follows no link, takes regular files with one link under
        ``Limits.max_read_mb`` only (:func:`openended.sandbox.workspace.read_file`); and with bubblewrap
        it runs in a second sandbox that mounts nothing but this workspace, read-only, as ``nobody`` when
        the harness is root, with no network — so even a link it did follow could reach no private answer,
        no other node's files and nothing of the host's. Raises :class:`WorkspaceError` with a message fit
        to show the agent."""
        max_bytes = int(self.limits.max_read_mb * (1 << 20))
        ws = Path(workspace).absolute()
        if self.isolation == "none":
            return workspace_io.read(ws, name, max_bytes)
        cmd = [_bwrap() or "bwrap", *_namespaces(), "--die-with-parent", "--new-session"]
        cmd += ["--ro-bind", "/usr", "/usr", *_usr_links(), *self._python_binds(set())]
        cmd += ["--dev", "/dev", "--ro-bind", str(ws), WORKSPACE, "--chdir", "/"]
        cmd += _drop_privileges()
        cmd += [self.python, "-I", "-S", "-c", _READ_BACK, WORKSPACE, name, str(max_bytes)]
        try:
            r = subprocess.run(
                cmd, capture_output=True, timeout=READ_BACK_TIMEOUT_S, env={"LANG": "C.UTF-8"}, check=False
            )
        except subprocess.TimeoutExpired:
            raise WorkspaceError(f"{name} could not be read back in {READ_BACK_TIMEOUT_S:.0f} s") from None
        if r.returncode == _READ_BACK_REFUSED:
            raise WorkspaceError(r.stderr.decode("utf-8", "replace")[-500:].strip())
        if r.returncode != 0 or len(r.stdout) > max_bytes:
            raise WorkspaceError(f"{name} could not be read back (reader exit code {r.returncode})")
        return r.stdout

    def _over_disk_limits(self, root_pid: int, ws: Path) -> bool:
        """Whether the run's files exceed ``disk_mb`` or ``max_files``, measured with every process of the
        sandbox stopped: code that watches its workspace (inotify) and moves files while the harness walks
        it would otherwise hide them. Counts the workspace's tree and the files the processes hold open
        without a name (unlinked, ``O_TMPFILE``, ``memfd``), which no walk can see."""
        lim = self.limits
        with _frozen(root_pid) as pids:
            if pids is None:  # a process kept escaping the stop (a new pid each time): not measurable
                return True
            budget = (lim.disk_mb << 20) - _unnamed_bytes(pids)
            return budget < 0 or workspace_io.usage(ws, budget, lim.max_files)

    def _limit(self) -> None:
        """preexec: own session (so the group can be killed) and the limits that also fit bubblewrap."""
        lim = self.limits
        os.setsid()
        mem = lim.memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        size = lim.file_size_mb << 20
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        # descriptors bound what the disk check must look through, and the files a process can keep
        # without a name in a socket (a descriptor in flight counts against its sender's limit)
        resource.setrlimit(resource.RLIMIT_NOFILE, (lim.open_files, lim.open_files))
        cpu = int(lim.timeout_s * max(lim.threads, 1)) + 30  # backstop; the wall clock binds first
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        if self.isolation == "none":
            resource.setrlimit(resource.RLIMIT_NPROC, (lim.processes, lim.processes))

    def run(
        self,
        code: str,
        workspace: str | os.PathLike,
        data: str | os.PathLike | None = None,
        filename: str = "solution.py",
    ) -> ExecutionResult:
        """Run ``code`` as ``workspace/filename`` in a workspace that is new or empty (an earlier run's
        leftovers — links included — are for the caller to clear with ``workspace.fresh``: a sandbox never
        deletes files it did not make). The code is written with ``O_EXCL|O_NOFOLLOW``."""
        if "/" in filename or filename.startswith("."):
            raise ValueError(f"filename must be a plain file name, got {filename!r}")
        data_dir = Path(data).resolve() if data is not None else None
        if data_dir is not None and not data_dir.is_dir():
            raise FileNotFoundError(f"data directory {data_dir} does not exist")
        ws = workspace_io.empty(Path(workspace).absolute())
        workspace_io.write(ws, filename, code.encode("utf-8", "replace"))  # lone surrogates become "?"
        if data_dir is not None:
            if self.isolation == "bwrap":
                workspace_io.make_dir(ws, "data")  # mount point of the read-only data
            else:
                (ws / "data").symlink_to(data_dir)
        if self.isolation == "bwrap" and os.geteuid() == 0:
            workspace_io.chown(ws, NOBODY, NOBODY)
        lim = self.limits
        read_fd, write_fd = os.pipe()
        overflow = threading.Event()
        start = time.monotonic()
        try:
            proc = subprocess.Popen(
                self.command(ws, data_dir, filename),
                cwd=ws,
                env=_environment(lim, self.python),
                stdin=subprocess.DEVNULL,
                stdout=write_fd,
                stderr=write_fd,
                preexec_fn=self._limit,
                close_fds=True,
            )
        finally:
            os.close(write_fd)
        tee = _Tee(read_fd, lim.keep_chars, int(lim.max_output_mb * (1 << 20)), overflow)
        killed = None
        deadline = start + lim.timeout_s
        next_disk_check = start + DISK_CHECK_S
        try:
            while proc.poll() is None:
                now = time.monotonic()
                if overflow.is_set():
                    killed = "output limit"
                elif now > deadline:
                    killed = "timeout"
                elif now >= next_disk_check:
                    next_disk_check = now + DISK_CHECK_S
                    if self._over_disk_limits(proc.pid, ws):
                        killed = "disk limit"
                if killed:
                    break
                overflow.wait(min(0.05, max(deadline - time.monotonic(), 0.001)))
        finally:
            # also when the harness itself is interrupted (Ctrl-C, an error): nothing may outlive the call.
            # Only while the sandbox's init is unreaped: after that its pid (= the group) may be reused.
            if proc.returncode is None:
                _kill_group(proc)
            proc.wait()
        tee.thread.join(timeout=10)  # writers are dead: the pipe is at its end
        elapsed = time.monotonic() - start
        # listed without following links or recursing: the tree may be anything the code built
        files = workspace_io.files(ws, lim.max_files + 1, skip=(filename, "data"))
        return ExecutionResult(
            output=tee.text(),
            exit_code=proc.returncode,
            exec_time=elapsed,
            timed_out=killed == "timeout",
            killed=killed,
            output_bytes=tee.total,
            files=files,
        )


def _drop_privileges() -> list[str]:
    """The end of a bubblewrap command line: as root, become ``nobody`` with no capabilities."""
    if os.geteuid() != 0:
        return ["--"]
    # bubblewrap keeps only what setpriv needs to become nobody; setpriv drops it again
    return [
        "--cap-add",
        "CAP_SETUID",
        "--cap-add",
        "CAP_SETGID",
        "--",
        "/usr/bin/setpriv",
        f"--reuid={NOBODY}",
        f"--regid={NOBODY}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
    ]


# The read-back helper: workspace.read_file and nothing else, on the standard library only (the package
# itself is not mounted in the helper's sandbox). Exit code 3: the file broke a rule; the message says which.
_READ_BACK_REFUSED = 3
_READ_BACK = "\n".join(
    [
        "import os, stat, sys",
        "class WorkspaceError(OSError): pass",
        inspect.getsource(workspace_io.read_file),
        "try:",
        "    data = read_file(sys.argv[1], sys.argv[2], int(sys.argv[3]))",
        "except WorkspaceError as e:",
        "    sys.stderr.write(str(e))",
        f"    sys.exit({_READ_BACK_REFUSED})",
        "sys.stdout.buffer.write(data)",
    ]
)


def _descendants(root: int) -> list[int]:
    """Every process below ``root``: the sandbox's processes, whatever sessions, groups or namespaces they
    made (an orphan is adopted by the sandbox's init or a subreaper inside, both below ``root``)."""
    children: dict[int, list[int]] = {}
    with os.scandir("/proc") as entries:
        for entry in entries:
            if not entry.name.isdigit():
                continue
            try:
                raw = Path(entry.path, "stat").read_bytes()
            except OSError:
                continue
            ppid = int(raw[raw.rindex(b")") + 2 :].split()[1])  # the name may hold spaces and parentheses
            children.setdefault(ppid, []).append(int(entry.name))
    out, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            out.append(child)
            stack.append(child)
    return out


def _state(pid: int) -> bytes:
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return b"X"  # gone
    return raw[raw.rindex(b")") + 2 : raw.rindex(b")") + 3]


@contextlib.contextmanager
def _frozen(root: int) -> Iterator[list[int] | None]:
    """Stop every process below ``root`` (SIGSTOP until a pass finds no new process: one may fork while it
    is being stopped) and continue them on exit. Yields the stopped processes, or None when new ones kept
    appearing for ``FREEZE_ROUNDS`` passes — a process that clones itself and exits stays ahead of any
    signal sent by pid, and legitimate code never churns like that."""
    stopped: set[int] = set()
    frozen = False
    try:
        for _ in range(FREEZE_ROUNDS):
            new = [p for p in _descendants(root) if p not in stopped]
            if not new:
                frozen = True
                break
            for pid in new:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGSTOP)
                stopped.add(pid)
            until = time.monotonic() + FREEZE_WAIT_S
            # a stop takes effect when the process next leaves the kernel; one stuck in it (state D) is waited
            # for only this long
            while any(_state(p) not in b"TtZX" for p in new) and time.monotonic() < until:
                time.sleep(0.001)
        yield sorted(stopped) if frozen else None
    finally:
        for pid in stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


def _unnamed_bytes(pids: list[int]) -> int:
    """Disk (or memory) held by regular files that have no name any more but that the processes keep open
    or mapped. (A descriptor in flight in a socket is seen by nothing; ``Limits.open_files`` bounds those.)"""
    seen: set[tuple[int, int]] = set()
    total = 0
    for pid in pids:
        held: list[str] = []
        for kind in ("fd", "map_files"):  # map_files: mapped, then closed (listing it needs root)
            with contextlib.suppress(OSError):
                held += [f"{kind}/{name}" for name in os.listdir(f"/proc/{pid}/{kind}")]
        for link in held:
            try:
                info = os.stat(f"/proc/{pid}/{link}")  # the file itself, whatever its name became
            except OSError:
                continue
            key = (info.st_dev, info.st_ino)
            if stat.S_ISREG(info.st_mode) and info.st_nlink == 0 and key not in seen:
                seen.add(key)
                total += info.st_blocks * 512
    return total


def _kill_group(proc: subprocess.Popen) -> None:
    # the sandbox's init is in this group; when it dies the PID namespace kills everything else inside
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
