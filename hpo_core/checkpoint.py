"""`Checkpoint`: a directory checkpoint (Ray Tune's `tune.Checkpoint`) that travels with the trial.

`Checkpoint.from_directory(folder)` reads the folder's files into the checkpoint at once, so the trainable may
delete the folder right after `report(..., checkpoint=...)` (as Ray Tune's examples do). The checkpoint pickles as
that archive: it crosses processes and Ray nodes, and the experiment folder keeps it, like any other checkpoint
value. Wherever it lands, `to_directory()`, `as_directory()` and `path` unpack it into a local folder.
"""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from typing import Any

from .errors import AsktellTypeError, AsktellValueError


class Checkpoint:
    """The files of a checkpoint folder.

    Args:
        path: a folder whose files make the checkpoint (the same as `Checkpoint.from_directory(path)`).

    Example:
        >>> import tempfile, os
        >>> folder = tempfile.mkdtemp()
        >>> _ = open(os.path.join(folder, "state.txt"), "w").write("7")
        >>> checkpoint = Checkpoint.from_directory(folder)
        >>> with checkpoint.as_directory() as unpacked:
        ...     print(open(os.path.join(unpacked, "state.txt")).read())
        7
    """

    def __init__(self, path: str | os.PathLike):
        folder = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
        if folder is None:
            raise AsktellTypeError(f"`path` must be a folder path, but got {path!r}")
        if not os.path.isdir(folder):
            raise AsktellValueError(f"`path` must be an existing folder, but got {folder!r}")
        self._archive = _pack(folder)
        self._path: str | None = os.path.abspath(folder)

    @classmethod
    def from_directory(cls, path: str | os.PathLike) -> Checkpoint:
        """The checkpoint of the files in `path` (read now)."""
        return cls(path)

    @property
    def path(self) -> str:
        """A local folder holding the files (the folder it was made from, or one unpacked on first use)."""
        if self._path is None or not os.path.isdir(self._path):
            self._path = self.to_directory()
        return self._path

    def to_directory(self, path: str | os.PathLike | None = None) -> str:
        """Unpack the files into `path` (created if needed; a new temporary folder when None); returns it."""
        target = tempfile.mkdtemp(prefix="asktell-checkpoint-") if path is None else os.fspath(path)
        os.makedirs(target, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(self._archive), mode="r") as archive:
            archive.extractall(target, filter="data")
        return target

    @contextlib.contextmanager
    def as_directory(self) -> Iterator[str]:
        """A temporary folder holding the files, removed when the `with` block ends."""
        folder = self.to_directory()
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    @property
    def nbytes(self) -> int:
        """Size of the packed files."""
        return len(self._archive)

    def __getstate__(self) -> dict[str, Any]:
        return {"archive": self._archive}  # a folder path means nothing on another node

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._archive = state["archive"]
        self._path = None

    def __repr__(self) -> str:
        return f"Checkpoint(path={self._path!r}, {self.nbytes} bytes)"


def _pack(folder: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name in sorted(os.listdir(folder)):
            archive.add(os.path.join(folder, name), arcname=name)
    return buffer.getvalue()
