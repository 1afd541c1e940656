"""The one door between the harness and a workspace that untrusted code has written.

After a run, a workspace holds whatever the code chose to leave there: links to the host's files (the
private answers, another node's submission, ``/proc/self/mem``), FIFOs, sparse files of any size,
directories thousands of levels deep, directories their owner made unreadable. The harness runs with more
rights than the code (often as root), so every host-side operation on a workspace is done here, and here
only, by rules that hold whatever the code left:

- **No link is followed.** Paths are resolved one component at a time from a directory descriptor with
  ``O_NOFOLLOW``; ownership changes, listings and removal act on links themselves, never on their targets.
- **Reads take regular files only**, under a size cap checked before reading (``fstat``) and again while
  reading (a file that grows is cut off), opened non-blocking so a FIFO cannot hang the harness.
  :func:`read` returns bytes: callers parse a copy, never the workspace's file.
- **Writes create**: ``O_CREAT | O_EXCL | O_NOFOLLOW`` into a directory :func:`fresh` just made empty, so a
  write never lands on something the code planted.
- **Walks use an explicit stack**, never recursion, and stop at a bound: a tree 10,000 levels deep costs a
  loop, not a ``RecursionError``.

:func:`read_file` is self-contained (standard library only, no imports of this package) because
:meth:`openended.sandbox.Sandbox.read_back` also runs it inside a second, minimal sandbox that mounts nothing
but the workspace: so a check missed here still cannot reach a file the workspace does not hold.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# Deepest directory a walk enters (a descriptor is open per level). ML code nests a few levels (caches
# under $HOME=/workspace: ~10); deeper directories count against the disk limit instead of being entered.
MAX_DEPTH = 64
_GONE = (errno.ENOENT, errno.ENOTDIR, errno.ELOOP)
REMOVE_PASSES = 100_000  # a pass dissolves at least one level of nesting: far more than any tree can have


class WorkspaceError(OSError):
    """A workspace file the harness will not read. The message names the file and the rule it broke, never
    what a link points to or whether that target exists."""


def read_file(root: str, name: str, max_bytes: int) -> bytes:
    """The bytes of the regular file ``name`` (relative, ``/``-separated) under the directory ``root``.

    Raises :class:`WorkspaceError` for links anywhere on the path, anything but a regular file with one
    link, files over ``max_bytes`` and unreadable files."""
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise WorkspaceError(f"{name!r} is not a path inside the workspace")
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        raise WorkspaceError("the working directory cannot be opened") from None
    try:
        for part in parts[:-1]:
            try:
                sub = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
            except OSError:
                raise WorkspaceError(f"{name}: {part} is not a plain directory") from None
            os.close(fd)
            fd = sub
        try:
            info = os.stat(parts[-1], dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            raise WorkspaceError(f"no file {name}") from None
        except OSError:
            raise WorkspaceError(f"{name} cannot be examined") from None
        if stat.S_ISLNK(info.st_mode):
            raise WorkspaceError(f"{name} is a symbolic link; write the file itself")
        if not stat.S_ISREG(info.st_mode):
            raise WorkspaceError(f"{name} is not a regular file")
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
        try:
            file = os.open(parts[-1], flags, dir_fd=fd)
        except OSError:
            raise WorkspaceError(f"{name} cannot be opened for reading") from None
    finally:
        os.close(fd)
    try:
        # the same checks on what was opened: the entry may have been swapped since the stat above
        info = os.fstat(file)
        if not stat.S_ISREG(info.st_mode):
            raise WorkspaceError(f"{name} is not a regular file")
        if info.st_nlink != 1:
            raise WorkspaceError(f"{name} has {info.st_nlink} hard links; write a file of its own")
        if info.st_size > max_bytes:
            size = f"{info.st_size:,} bytes, more than the {max_bytes:,}"
            raise WorkspaceError(f"{name} is {size} the harness reads")
        chunks, total = [], 0
        while True:
            try:
                chunk = os.read(file, min(1 << 20, max_bytes + 1 - total))
            except OSError:
                raise WorkspaceError(f"{name} cannot be read") from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise WorkspaceError(f"{name} grew past the {max_bytes:,} bytes the harness reads")
        return b"".join(chunks)
    finally:
        os.close(file)


def read(root: str | os.PathLike, name: str, max_bytes: int) -> bytes:
    """:func:`read_file` in this process (the first layer; the sandbox's ``read_back`` adds the second)."""
    return read_file(os.fspath(root), name, max_bytes)


@contextlib.contextmanager
def _open_dir(path: str | os.PathLike, dir_fd: int | None = None) -> Iterator[int]:
    fd = os.open(path, _DIR_FLAGS, dir_fd=dir_fd)
    try:
        yield fd
    finally:
        os.close(fd)


def _entries(fd: int, room: int | None) -> list[tuple[str, os.stat_result]]:
    """Names and lstat of a directory's entries, at most ``room`` of them, last first (popped in order)."""
    out: list[tuple[str, os.stat_result]] = []
    with os.scandir(fd) as it:
        for entry in it:
            with contextlib.suppress(OSError):
                out.append((entry.name, entry.stat(follow_symlinks=False)))
            if room is not None and len(out) >= room:
                break
    return out[::-1]


def _walk(
    root: str | os.PathLike, limit: int | None, max_depth: int
) -> Iterator[tuple[int, str, str, os.stat_result | None]]:
    """``(directory descriptor, name, relative path, lstat)`` of every entry under ``root``, depth first.
    Each directory is opened relative to its parent's descriptor with ``O_NOFOLLOW``, so no link is
    followed even while the code still runs and moves things, and no path grows past ``PATH_MAX``; at most
    ``max_depth`` descriptors are open. After a directory that cannot be entered (unreadable, or deeper
    than ``max_depth``) comes the same path again with ``None``."""
    try:
        top = os.open(root, _DIR_FLAGS)
    except PermissionError:
        yield -1, "", "", None
        return
    except OSError:  # no workspace (yet, or any more)
        return
    try:
        listed = _entries(top, limit)
    except OSError:
        os.close(top)
        yield -1, "", "", None
        return
    count = 0
    stack = [(top, "", listed)]
    try:
        while stack:
            fd, rel, pending = stack[-1]
            if not pending:
                os.close(stack.pop()[0])
                continue
            name, info = pending.pop()
            path = f"{rel}/{name}" if rel else name
            yield fd, name, path, info
            count += 1
            if limit is not None and count >= limit:
                return
            if not stat.S_ISDIR(info.st_mode):
                continue
            if len(stack) >= max_depth:
                yield fd, name, path, None
                continue
            try:
                sub = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except OSError as e:
                if e.errno in _GONE:  # removed, or replaced by a link or a file, since it was listed
                    continue
                yield fd, name, path, None  # unreadable, or out of descriptors: not entered
                continue
            try:
                children = _entries(sub, None if limit is None else limit - count)
            except OSError:
                os.close(sub)
                yield fd, name, path, None
                continue
            stack.append((sub, path, children))
    finally:
        for fd, _, _ in stack:
            os.close(fd)


def walk(
    root: str | os.PathLike, limit: int | None = None, max_depth: int = MAX_DEPTH
) -> Iterator[tuple[str, os.stat_result | None]]:
    """``(relative path, lstat)`` of every entry under ``root``, depth first, without following a link or
    recursing; stops after ``limit`` entries. A directory that cannot be entered — unreadable, or deeper
    than ``max_depth`` — is followed by its path again with ``None``."""
    for _, _, path, info in _walk(root, limit, max_depth):
        yield path, info


def files(root: str | os.PathLike, limit: int, skip: tuple[str, ...] = ()) -> list[str]:
    """Regular files under ``root`` (relative paths, sorted), looking at no more than ``limit`` entries;
    entries whose first component is in ``skip`` are left out."""
    out = []
    for path, info in walk(root, limit):
        if info is not None and stat.S_ISREG(info.st_mode) and path.split("/", 1)[0] not in skip:
            out.append(path)
    return sorted(out)


def usage(root: str | os.PathLike, max_bytes: int, max_files: int) -> bool:
    """Whether the entries under ``root`` take more than ``max_bytes`` of disk or number more than
    ``max_files``. Allocated blocks are counted, so a sparse file counts at what it uses; the walk stops at
    the first excess, so a tree of millions of files costs ``max_files`` stats. A directory the harness
    cannot enter — unreadable, or nested deeper than ``MAX_DEPTH`` — counts as an excess: hiding files from
    the count must not let them grow."""
    used = 0
    for count, (_, info) in enumerate(walk(root, max_files + 1), start=1):
        if info is None:
            return True
        used += info.st_blocks * 512
        if used > max_bytes or count > max_files:
            return True
    return False


def chown(root: str | os.PathLike, uid: int, gid: int) -> None:
    """Give ``root`` and everything under it to ``uid:gid``; links are changed themselves, never followed."""
    os.chown(root, uid, gid, follow_symlinks=False)
    for fd, name, _, info in _walk(root, None, MAX_DEPTH):
        if info is not None:
            with contextlib.suppress(FileNotFoundError):
                os.chown(name, uid, gid, dir_fd=fd, follow_symlinks=False)


def remove(path: str | os.PathLike) -> None:
    """Delete the tree at ``path`` without following a link, without recursion and in bounded memory.

    Each directory's subdirectories are moved up to the top of the tree (a rename moves an entry, it
    follows nothing), so no walk goes deeper than one level and at most two descriptors are open, however
    deep the tree. Meant for a workspace whose code has stopped; should something still change it, every
    entry is treated as what it is when it is touched — unlinked, or, only when unlink refuses it as a
    directory, opened with ``O_NOFOLLOW`` — and a tree that will not empty is a :class:`WorkspaceError`."""
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(path)
        return
    with _open_dir(path.parent) as parent:
        _unlock(path.name, parent)
    moved = 0
    with _open_dir(path) as top:
        for _ in range(REMOVE_PASSES):
            found = False
            with os.scandir(top) as entries:
                for entry in entries:
                    found = True
                    if not _unlink(entry.name, top):
                        moved = _dissolve(entry.name, top, moved)
            if not found:
                break
        else:
            raise WorkspaceError(f"{path} could not be emptied: something still writes to it")
    os.rmdir(path)


def _unlink(name: str, dir_fd: int) -> bool:
    """Unlink a file, link or anything but a directory; False for a directory."""
    try:
        os.unlink(name, dir_fd=dir_fd)
    except IsADirectoryError:
        return False
    except FileNotFoundError:
        pass
    return True


def _dissolve(name: str, top: int, moved: int) -> int:
    """Move the subdirectories of ``top/name`` up into ``top``, unlink its other entries, remove it."""
    _unlock(name, top)
    try:
        sub = os.open(name, _DIR_FLAGS, dir_fd=top)
    except OSError:  # changed since it was listed: the next pass sees what it is now
        return moved
    try:
        with os.scandir(sub) as entries:
            for entry in entries:
                if _unlink(entry.name, sub):
                    continue
                moved += 1
                while _exists(f".removing-{moved}", top):
                    moved += 1
                with contextlib.suppress(FileNotFoundError):
                    os.rename(entry.name, f".removing-{moved}", src_dir_fd=sub, dst_dir_fd=top)
    finally:
        os.close(sub)
    with contextlib.suppress(OSError):  # not empty (something was added meanwhile): the next pass
        os.rmdir(name, dir_fd=top)
    return moved


def _unlock(name: str, dir_fd: int) -> None:
    """Give the directory ``name`` back its owner's rights (the code may have made it mode 0). Root needs
    none; others change the mode through an ``O_PATH`` descriptor, which names the directory itself and
    never what a link points to."""
    if os.geteuid() == 0:
        return
    with contextlib.suppress(OSError):
        fd = os.open(name, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
        try:
            os.chmod(f"/proc/self/fd/{fd}", 0o700)
        finally:
            os.close(fd)


def _exists(name: str, dir_fd: int) -> bool:
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def fresh(path: str | os.PathLike) -> Path:
    """An empty directory at ``path``, made here: whatever is there already — a crashed run's leftovers,
    links included — is removed first without following anything."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove(path)
    path.mkdir()
    return path


def empty(path: str | os.PathLike) -> Path:
    """``path`` as a new directory, or as it is when it is already an empty one (not a link); anything
    else is a ValueError: whatever is there is not for the caller to overwrite."""
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        path.mkdir(parents=True)
        return path
    if not stat.S_ISDIR(info.st_mode):
        raise ValueError(f"workspace {path} exists and is not a directory")
    with _open_dir(path) as fd, os.scandir(fd) as entries:
        if next(entries, None) is not None:
            raise ValueError(
                f"workspace {path} is not empty: clear it with workspace.fresh or pass a new one"
            )
    return path


def write(root: str | os.PathLike, name: str, data: bytes, mode: int = 0o644) -> None:
    """Create the file ``name`` in the directory ``root``: fails rather than write through a link or over an
    existing file."""
    if "/" in name or name in ("", ".", ".."):
        raise ValueError(f"a file name without directories, got {name!r}")
    with _open_dir(root) as fd:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        out = os.open(name, flags, mode, dir_fd=fd)
        with os.fdopen(out, "wb") as f:
            f.write(data)


def make_dir(root: str | os.PathLike, name: str) -> None:
    """Create the directory ``name`` in ``root`` (a mount point, say); fails if anything is there."""
    with _open_dir(root) as fd:
        os.mkdir(name, 0o755, dir_fd=fd)
