"""Publish a freshly built folder in one atomic step, so the site is never missing or half-replaced.

`data/site` is a symbolic link to `site.<build id>/` (relative, so the data folder can move). A new build is
renamed to its own `site.<build id>/`, a new link is made beside the old one and `os.replace`d over it: a
reader (`qingtian serve`, rsync, a test) sees the old site or the new one, never neither. Older build folders
and the leftovers of a killed build (an unpublished `site.<id>/`, a stray link) are removed afterwards; a
killed build never touches the published site. A `data/site` that is a real folder (built before this
module) is moved aside once, the only moment without a site.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from etl import crashpoint


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def publish(fresh: Path, out: Path) -> Path:
    """Make `out` show the contents of `fresh` (which is moved); returns the build folder `out` now links to."""
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
    _remove_others(out, target)
    return target


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_others(out: Path, keep: Path) -> None:
    build = re.compile(rf"^{re.escape(out.name)}\.(\d{{8}}T\d+Z|old)$")
    stray_link = re.compile(rf"^\.{re.escape(out.name)}\.link-")
    for path in out.parent.iterdir():
        if path == keep:
            continue
        if stray_link.match(path.name) and path.is_symlink():
            path.unlink(missing_ok=True)
        elif build.match(path.name) and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
