"""Where an experiment lives on disk: folder names, safe trial folder names, small atomic file writes."""
from __future__ import annotations

import datetime
import json
import math
import os
import re
from typing import Any

from ..errors import AsktellTypeError, AsktellValueError

JOURNAL = "journal.jsonl"
PARAMS = "params.json"
RESULT = "result.json"
PROGRESS = "progress.csv"
ERROR = "error.txt"
MAX_DIRNAME = 96
STORAGE_ENV = "ASKTELL_STORAGE_PATH"

_UNSAFE = re.compile(r"[^A-Za-z0-9._=,+-]+")


def default_storage_path() -> str:
    """`$ASKTELL_STORAGE_PATH`, else `~/hpo_results`."""
    return os.path.expanduser(os.environ.get(STORAGE_ENV) or os.path.join("~", "hpo_results"))


def experiment_dir(trainable_name: str, *, name: str | None, storage_path: str | os.PathLike | None) -> str:
    """`<storage_path>/<name>`; `name` may also be an absolute path (the seed chapter's example 5-12)."""
    if storage_path is not None and not isinstance(storage_path, (str, os.PathLike)):
        raise AsktellTypeError(f"`storage_path` must be a path, but got {storage_path!r}")
    root = os.path.expanduser(os.fspath(storage_path)) if storage_path is not None else default_storage_path()
    if name is None:  # a new folder, claimed by creating it (two runs in the same second get _2, _3, ...)
        stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
        base = os.path.abspath(os.path.join(root, f"{safe_name(trainable_name, 60)}_{stamp}"))
        os.makedirs(root, exist_ok=True)
        for number in range(1, 10_000):
            candidate = base if number == 1 else f"{base}_{number}"
            try:
                os.mkdir(candidate)
                return candidate
            except FileExistsError:
                continue
        raise AsktellValueError(f"`storage_path={storage_path!r}`: cannot find a free experiment folder name")
    if not isinstance(name, (str, os.PathLike)) or not os.fspath(name).strip():
        raise AsktellValueError(f"`name` must be a non-empty string or path, but got {name!r}")
    name = os.path.expanduser(os.fspath(name))
    if os.path.isabs(name):
        return os.path.normpath(name)
    parts = re.split(r"[\\/]", name)
    if any(p in ("", ".", "..") or "\x00" in p for p in parts) or len(parts) > 1:
        raise AsktellValueError(
            f"`name` must be one folder name (or an absolute path), but got {name!r}; use `storage_path` for the parent"
        )
    return os.path.abspath(os.path.join(root, name))


def safe_name(text: str, limit: int = MAX_DIRNAME) -> str:
    """`text` reduced to `[A-Za-z0-9._=,+-]`, no `..`, no leading dot, at most `limit` characters, never empty."""
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"\.{2,}", "_", text).lstrip(".") or "_"
    return text[:limit]


def trial_dirname(trial_name: str, config: dict[str, Any]) -> str:
    """`<trial name>_<short config tag>`: unique because the trial name is, safe whatever the config holds."""
    head = safe_name(trial_name, MAX_DIRNAME // 2)
    tag = safe_name(config_tag(config), MAX_DIRNAME - len(head) - 1)
    return f"{head}_{tag}" if tag and tag != "_" else head


def config_tag(config: dict[str, Any], prefix: str = "") -> str:
    """`a=0.1,b/c=x` with floats at 5 significant digits (Ray Tune's experiment tag)."""
    parts = []
    for key, value in config.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            inner = config_tag(value, path + ".")
            if inner:
                parts.append(inner)
            continue
        if isinstance(value, float) and math.isfinite(value):
            shown = f"{value:.5g}"
        else:
            shown = str(value)[:24]
        parts.append(f"{path}={shown}")
    return ",".join(parts)


def to_jsonable(value: Any) -> Any:
    """Numbers, strings, lists and dicts as they are; numpy scalars/arrays as Python values; anything else as repr."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    item = getattr(value, "tolist", None)  # numpy scalar or array
    if callable(item):
        try:
            return to_jsonable(item())
        except Exception:  # noqa: BLE001 - not convertible: shown as repr
            return repr(value)
    return repr(value)


# one encoder for every line: json.dumps with options builds a new JSONEncoder per call (a few µs per record)
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=True).encode


def dumps(record: Any) -> str:
    """One JSON line (NaN/inf kept as Python's json writes them; non-JSON values as repr)."""
    try:
        return _ENCODE(record)
    except (TypeError, ValueError):
        return _ENCODE(to_jsonable(record))


_ENCODED: list[Any] = [None, ""]  # the last result encoded by `result_json`, and its text


def result_json(result: dict[str, Any]) -> str:
    """`result` without its `config` as one JSON object. The journal and the JSON logger both write it for each
    report: the text of the last result asked for is kept, so it is encoded once (results are not changed after
    they are recorded)."""
    if _ENCODED[0] is result:
        return _ENCODED[1]
    text = dumps({k: v for k, v in result.items() if k != "config"})
    _ENCODED[0], _ENCODED[1] = result, text
    return text


def write_atomic(path: str, text: str | bytes, *, sync: bool = True) -> None:
    """Write via a temporary file and rename, so a reader (or a crash) never sees half a file."""
    tmp = f"{path}.tmp"
    os.makedirs(os.path.dirname(tmp) or ".", exist_ok=True)
    with open(tmp, "wb") as handle:
        handle.write(text.encode("utf-8") if isinstance(text, str) else text)
        handle.flush()
        if sync:
            os.fsync(handle.fileno())
    os.replace(tmp, path)


class UnsafePathError(AsktellValueError):
    """A path read from an experiment folder (its journal) points outside that folder."""


def resolve_inside(root: str, *parts: str) -> str:
    """`root/parts...`, refused when it resolves (symbolic links followed) outside the folder `root`."""
    path = os.path.join(root, *parts)
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if real == real_root or os.path.commonpath([real, real_root]) != real_root:
        raise UnsafePathError(f"{os.path.join(*parts)!r} read from {root} resolves to {real}, outside the folder; "
                              f"refusing to use it")
    return path
