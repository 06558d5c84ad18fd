"""Ray Tune's own example scripts, loaded from the installed `ray` wheel with their imports switched to asktell.

Nothing of Ray's is copied: `ported_source(name)` reads `ray/tune/examples/<name>.py` and rewrites its
`from ray import tune` / `from ray.tune... import` lines to `hpo_ray.tune`; an example importing another example
(`from ray.tune.examples.pbt_function import ...`) gets the ported one through a meta-path finder. `run_example`
executes a script as `__main__` (cloudpickle then ships its functions and classes by value to Ray's workers).
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import re
import sys
import types

import cloudpickle

PACKAGE = "asktell_ported_ray_examples"
_RULES = [
    (re.compile(r"^(\s*)from ray import tune\b", re.MULTILINE), r"\1from hpo_ray import tune"),
    (re.compile(r"^(\s*)from ray\.tune\.examples\.(\w+) import", re.MULTILINE), rf"\1from {PACKAGE}.\2 import"),
    (re.compile(r"^(\s*)from ray\.tune((?:\.\w+)*) import", re.MULTILINE), r"\1from hpo_ray.tune\2 import"),
]


def examples_dir() -> str:
    """The installed `ray/tune/examples` folder (found without importing ray.tune)."""
    spec = importlib.util.find_spec("ray")
    return os.path.join(spec.submodule_search_locations[0], "tune", "examples")


def ported_source(name: str) -> str:
    with open(os.path.join(examples_dir(), f"{name}.py"), encoding="utf-8") as handle:
        text = handle.read()
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


class _PortedFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports `asktell_ported_ray_examples.<name>` as Ray's example `<name>`, ported."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == PACKAGE:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        if fullname.startswith(PACKAGE + "."):
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        if module.__name__ == PACKAGE:
            module.__path__ = []
            return
        name = module.__name__.rsplit(".", 1)[1]
        cloudpickle.register_pickle_by_value(module)  # Ray's workers cannot import it
        module.__file__ = os.path.join(examples_dir(), f"{name}.py")
        exec(compile(ported_source(name), module.__file__, "exec"), module.__dict__)  # noqa: S102 - the test runs it


def install_finder() -> None:
    if not any(isinstance(f, _PortedFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _PortedFinder())


def run_example(name: str) -> dict:
    """Execute the ported example as `__main__` (with whatever `sys.argv` the caller set); its globals."""
    install_finder()
    path = os.path.join(examples_dir(), f"{name}.py")
    module = types.ModuleType("__main__")
    module.__file__ = path
    exec(compile(ported_source(name), path, "exec"), module.__dict__)  # noqa: S102 - the test runs Ray's script
    return module.__dict__
