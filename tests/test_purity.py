"""`hpo_core` stays pure: importing every one of its modules pulls in no heavy or optional library."""
from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("ray", "optuna", "hyperopt", "bayes_opt", "torch", "pandas", "matplotlib")
# Modules skipped by the import sweep (none: framework bridges such as integrations.keras import lazily).
FRAMEWORK_BRIDGES: tuple[str, ...] = ()

SCRIPT = """
import importlib, json, pkgutil, sys
{prelude}
import hpo_core
def fail(name):
    raise ImportError(f"cannot import package {{name}}")
names = sorted(m.name for m in pkgutil.walk_packages(hpo_core.__path__, "hpo_core.", onerror=fail))
for name in names:
    if name not in {bridges!r}:
        importlib.import_module(name)
loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set({forbidden!r}))
print(json.dumps({{"modules": names, "loaded": loaded}}))
"""


def _import_all(prelude: str = "") -> dict:
    script = SCRIPT.format(prelude=prelude, bridges=FRAMEWORK_BRIDGES, forbidden=FORBIDDEN)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_every_hpo_core_module_loads_no_optional_library():
    report = _import_all()
    assert {"hpo_core.experiment", "hpo_core.searchers.repeater", "hpo_core.testing.searcher_contract"} <= set(
        report["modules"]
    )
    assert report["loaded"] == [], f"hpo_core imported {report['loaded']}"


def test_the_check_sees_a_forbidden_module():
    report = _import_all(prelude="import json as pandas; sys.modules['pandas'] = pandas")
    assert report["loaded"] == ["pandas"]
