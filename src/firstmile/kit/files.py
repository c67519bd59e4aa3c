"""Files an installation makes for itself once (demo keys and certificates)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def create_once(target: Path, make: Callable[[], bytes]) -> Path:
    """`target`, written with `make()` if it does not exist yet; safe under concurrent
    starts: the content appears under its name whole (a hard link of a finished temporary
    file), and the first process to link wins."""
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(make())
        with contextlib.suppress(FileExistsError):  # another process got there first
            os.link(tmp, target)
    finally:
        os.unlink(tmp)
    return target
