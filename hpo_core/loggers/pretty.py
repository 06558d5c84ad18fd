"""`pretty_print(result)`: a result as YAML-like text (sorted keys, nested dicts indented), as Ray Tune prints it."""
from __future__ import annotations

import math
import re
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_ ./@-]*$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "none", "~", ""}


def pretty_print(result: dict[str, Any], *, include_config: bool = False) -> str:
    """`key: value` lines sorted by key; nested dicts indented by two spaces; `config` left out unless asked."""
    shown = {k: v for k, v in result.items() if v is not None and (include_config or k != "config")}
    lines: list[str] = []
    _emit(shown, 0, lines)
    return "\n".join(lines) + "\n"


def _emit(mapping: dict[str, Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for key in sorted(mapping, key=str):
        value = mapping[key]
        name = _scalar(str(key))
        if isinstance(value, dict) and value:
            lines.append(f"{pad}{name}:")
            _emit(value, indent + 2, lines)
        elif isinstance(value, (list, tuple)) and value:
            lines.append(f"{pad}{name}:")
            for item in value:
                if isinstance(item, dict) and item:
                    sub: list[str] = []
                    _emit(item, 0, sub)
                    lines.append(f"{pad}- {sub[0]}")
                    lines.extend(f"{pad}  {line}" for line in sub[1:])
                else:
                    lines.append(f"{pad}- {_scalar(item)}")
        else:
            lines.append(f"{pad}{name}: {_scalar(value)}")


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, (list, tuple)):
        return "[]"
    if isinstance(value, float) or type(value).__name__.startswith("float"):
        value = float(value)
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, int) or type(value).__name__.startswith(("int", "uint")):
        return str(int(value))
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED and text == text.strip():
        return text
    return "'" + text.replace("'", "''").replace("\n", "\\n") + "'"
