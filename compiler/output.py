"""Writing output files atomically: all of the new file, or the old one untouched.

The output is computed completely before any file is touched. Where the
system allows it, the new contents go into an unnamed file in the target's
directory (`O_TMPFILE`), named only once complete, so even a killed process
leaves nothing behind; elsewhere a hidden temporary file beside the target
is written, renamed over it, and removed on any error or interrupt.
"""

from __future__ import annotations

import os
from pathlib import Path


def _mode(target: Path) -> int:
    """The permissions the file has, or those a new file would get."""
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: str | os.PathLike[str], content: str | bytes) -> None:
    """Replace `path` with `content` (text is written as UTF-8) in one step; on failure `path` is left as it was.

    A symbolic link is followed: the file it names is replaced, the link kept.
    What is not a regular file (`/dev/null`, a pipe, a terminal) is written
    to as it is, since it cannot be replaced by a file.
    """
    target = Path(os.path.realpath(path))
    data = content.encode("utf-8") if isinstance(content, str) else content
    if target.exists() and not target.is_file():
        with open(target, "wb") as stream:
            stream.write(data)
        return
    if hasattr(os, "O_TMPFILE") and Path("/proc/self/fd").is_dir():
        try:
            descriptor = os.open(target.parent, os.O_TMPFILE | os.O_WRONLY, _mode(target))
        except OSError:  # a file system without unnamed files
            pass
        else:
            try:
                _write_unnamed(descriptor, data, target)
                return
            except OSError:  # naming an unnamed file is not allowed here
                pass
    _write_named(data, target)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def _write_unnamed(descriptor: int, data: bytes, target: Path) -> None:
    """Fill the unnamed file, then give it a name and move it over the target.
    Only between those last two steps does a named temporary file exist."""
    temporary = None
    try:
        _write_all(descriptor, data)
        os.fsync(descriptor)
        while temporary is None:
            candidate = _hidden_name(target)
            try:
                os.link(f"/proc/self/fd/{descriptor}", candidate, follow_symlinks=True)
                temporary = candidate
            except FileExistsError:
                continue
        os.replace(temporary, target)
        temporary = None
    finally:
        os.close(descriptor)
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def _hidden_name(target: Path) -> Path:
    """A name for a temporary file beside `target`, hidden, and unlikely to be taken."""
    return target.parent / f".{target.name}.{os.urandom(6).hex()}.tmp"


def _created(target: Path) -> tuple[int, Path]:
    """A new hidden file beside `target`, open for writing, which no other process has opened."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        temporary = _hidden_name(target)
        try:
            return os.open(temporary, flags, 0o600), temporary
        except FileExistsError:
            continue


def _write_named(data: bytes, target: Path) -> None:
    descriptor, temporary = _created(target)
    try:
        _write_all(descriptor, data)
        os.fsync(descriptor)
        os.fchmod(descriptor, _mode(target))
        os.close(descriptor)
        descriptor = -1
        os.replace(temporary, target)
    except BaseException:
        if descriptor >= 0:
            os.close(descriptor)
        temporary.unlink(missing_ok=True)
        raise
