"""The trainable as bytes for worker processes: cloudpickle, keeping each function's file name.

cloudpickle 3 names every function it pickles by value (the user's script, closures, lambdas) `<dynamic-code>`, so a
trial's traceback would say `File "<dynamic-code>", line 6` with no source line. This pickler keeps the real file
name: tracebacks name the user's file and line, and show the line when the file is readable where the trial runs.
"""
from __future__ import annotations

import io
import types
from collections import ChainMap
from typing import Any, ClassVar

import cloudpickle

_DYNAMIC = "<dynamic-code>"
_code_reduce = cloudpickle.Pickler.dispatch_table.get(types.CodeType)


def _reduce_code(code: types.CodeType):
    constructor, args = _code_reduce(code)
    return constructor, tuple(code.co_filename if isinstance(arg, str) and arg == _DYNAMIC else arg for arg in args)


class _Pickler(cloudpickle.Pickler):
    dispatch_table: ClassVar[ChainMap] = ChainMap({types.CodeType: _reduce_code}, cloudpickle.Pickler.dispatch_table)


def dumps(obj: Any) -> bytes:
    """`cloudpickle.dumps(obj)`, with code objects that keep their `co_filename`."""
    if _code_reduce is None:  # a cloudpickle that keeps file names itself (2.x)
        return cloudpickle.dumps(obj)
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=cloudpickle.DEFAULT_PROTOCOL).dump(obj)
    return buffer.getvalue()
