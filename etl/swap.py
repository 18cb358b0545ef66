"""Publish a freshly built folder in one atomic step, so the site is never missing or half-replaced.

`data/site` is a symbolic link to `site.<build id>/` (relative, so the data folder can move). A new build is
renamed to its own `site.<build id>/`, a new link is made beside the old one and `os.replace`d over it: a
reader (`qingtian serve`, rsync, a test) sees the old site or the new one, never neither. Older build folders
and the leftovers of a killed build (an unpublished `site.<id>/`, a stray link) are then renamed into a trash
folder of this publish, `.trash-<build id>/` in the data folder (one rename each, on the same file system), and
deleted with it: at once, or with `background=True` by a process of its own that the build does not wait for
(a site of 100,000 companies has millions of files). A trash folder a killed deletion left is deleted by the
next publish. A killed build never touches the published site. A `data/site` that is a real folder (built
before this module) is moved aside once, the only moment without a site.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from etl import crashpoint

TRASH = ".trash-"
_removals: list[subprocess.Popen[bytes]] = []


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def publish(fresh: Path, out: Path, *, background: bool = False) -> Path:
    """Make `out` show the contents of `fresh` (which is moved); returns the build folder `out` now links to.

    `background`: delete the previous builds in a process of their own instead of before returning
    (`wait_removals()` waits for it)."""
    build_id = _stamp()
    target = out.with_name(f"{out.name}.{build_id}")
    fresh.rename(target)
    crashpoint.reached("build.swap")
    link = out.with_name(f".{out.name}.link-{build_id}")
    link.symlink_to(target.name)
    if out.is_dir() and not out.is_symlink():
        out.rename(out.with_name(f"{out.name}.{_stamp()}"))  # the pre-symlink layout, once
    os.replace(link, out)
    _sync_dir(out.parent)
    _remove_others(out, target, background)
    return target


def discard(folder: Path, *, background: bool = False) -> None:
    """Delete `folder` (e.g. a killed build's leftovers): renamed into a trash folder at once, deleted there."""
    if folder.is_dir() and not folder.is_symlink():
        trash = folder.with_name(f"{TRASH}{_stamp()}")
        trash.mkdir()
        folder.rename(trash / folder.name)
        _delete([trash], background)


def wait_removals() -> None:
    """Wait for the background deletions this process started."""
    while _removals:
        _removals.pop().wait()


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_others(out: Path, keep: Path, background: bool) -> None:
    build = re.compile(rf"^{re.escape(out.name)}\.(\d{{8}}T\d+Z|old)$")
    stray_link = re.compile(rf"^\.{re.escape(out.name)}\.link-")
    left = re.compile(rf"^{re.escape(TRASH)}\d{{8}}T\d+Z$")
    trash = out.with_name(f"{TRASH}{_stamp()}")
    doomed = [trash]
    trash.mkdir()
    for path in out.parent.iterdir():
        if path in (keep, trash):
            continue
        if stray_link.match(path.name) and path.is_symlink():
            path.unlink(missing_ok=True)
        elif build.match(path.name) and path.is_dir() and not path.is_symlink():
            path.rename(trash / path.name)
        elif left.match(path.name) and path.is_dir() and not path.is_symlink():
            doomed.append(path)  # a killed deletion's, or one still running: deleting it twice is harmless
    _delete(doomed, background)


def _delete(folders: list[Path], background: bool) -> None:
    if not background:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
        return
    # A session of its own: the deletion outlives a `qingtian build` that has returned, and is not
    # interrupted with it.
    _removals[:] = [p for p in _removals if p.poll() is None]
    _removals.append(subprocess.Popen(["rm", "-rf", "--", *map(str, folders)], stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
