"""The shape of the package: a map that cannot drift, no import circle, one fit path.

``ARCHITECTURE.md`` (and the docs' *Design* page) must name every top-level
module and subpackage; the package must have no import circle, counting
imports inside functions; ``modules/`` must import nothing else of the
package; and a fit of every registered model must take the path that
``ARCHITECTURE.md`` lists, without calling back up.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest
from _fit_path import trace_fit
from _imports import PACKAGE, PACKAGE_DIR, cycles, import_graph, package_modules

from emnist_estimators.models import get_model, list_models

ROOT = PACKAGE_DIR.parent
ARCHITECTURE = ROOT / "ARCHITECTURE.md"
DESIGN = ROOT / "docs" / "design.rst"

#: At most this many private modules at the package's top level.
MAX_TOP_LEVEL_PRIVATE = 8


def top_level_entries() -> list[str]:
    """``name.py`` for each top-level module, ``name/`` for each subpackage."""
    entries = [p.name for p in PACKAGE_DIR.glob("*.py")]
    entries += [
        p.name + "/" for p in PACKAGE_DIR.iterdir() if (p / "__init__.py").is_file()
    ]
    return sorted(entries)


@pytest.mark.parametrize("page", [ARCHITECTURE, DESIGN], ids=lambda p: p.name)
def test_the_map_names_every_top_level_module_and_subpackage(page):
    text = page.read_text(encoding="utf-8")
    missing = [entry for entry in top_level_entries() if f"{entry}" not in text]
    assert not missing, f"{page.name} does not name {missing}"


def test_few_private_modules_at_the_top_level():
    private = [
        e for e in top_level_entries() if e.startswith("_") and e.endswith(".py")
    ]
    private = [e for e in private if e not in ("__init__.py", "__main__.py")]
    assert len(private) <= MAX_TOP_LEVEL_PRIVATE, private


def test_the_cycle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_counting_function_local_imports():
    graph = import_graph()
    assert f"{PACKAGE}.models" in graph and graph[f"{PACKAGE}.base"]  # read at all
    assert cycles(graph) == []


def test_the_networks_import_nothing_above_them():
    above = {
        module: sorted(m for m in imports if not m.startswith(f"{PACKAGE}.modules"))
        for module, imports in import_graph().items()
        if module.startswith(f"{PACKAGE}.modules")
    }
    assert above and all(not imports for imports in above.values()), above


def test_only_the_fit_pipeline_imports_the_training_wing():
    importers = {
        module
        for module, imports in import_graph().items()
        if any(m.startswith(f"{PACKAGE}._training") for m in imports)
        and not module.startswith(f"{PACKAGE}._training")
    }
    assert importers == {f"{PACKAGE}.base"}


def test_the_extension_tests_use_public_names_only():
    tree = ast.parse((Path(__file__).parent / "test_models.py").read_text())
    private = [
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.startswith(PACKAGE)
        and any(part.startswith("_") for part in node.module.split("."))
    ]
    assert private == []


# ------------------------------------------------------------------ fit path
def listed_path() -> tuple[list[tuple[str, set[str]]], set[str]]:
    """The steps of the fit path in ARCHITECTURE.md, and the shared leaves."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    block = text.split("## The path of a fit", 1)[1].split("```text", 1)[1]
    block = block.split("```", 1)[0]
    steps: list[tuple[str, set[str]]] = []
    shared: set[str] = set()
    enters = False
    for line in block.splitlines():
        line = re.sub(r"\(.*?\)", "", line)  # remarks
        step = re.match(r"\s+\d\.\s+(\S+)", line)
        if step:
            steps.append((step.group(1), set()))
            enters = False
        if line.startswith("shared leaves:"):
            shared = {m.strip() for m in line.split(":", 1)[1].split(",")}
            continue
        if "also enters:" in line:
            enters = True
            line = line.split("also enters:", 1)[1]
        elif "then " in line:
            enters = False
        if enters and steps:
            steps[-1][1].update(m.strip() for m in line.split(",") if m.strip())
    return steps, shared


def _short(module: str) -> str:
    return module.removeprefix(PACKAGE + ".")


def _is_listed(module: str, listed: set[str]) -> bool:
    if module in listed:
        return True
    return "modules.<network>" in listed and module.startswith("modules.")


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 255, (96, 64), dtype=np.uint8)
    return X, np.arange(96) % 3


FIT_VARIANTS = {
    "smoke": {},
    "everything": {
        "augment": True,
        "test_time_augmentation": True,
        "validation_fraction": 0.2,
        "early_stopping": True,
        "lr_scheduler": "onecycle",
        "average": "ema",
        "class_weight": "balanced",
    },
}


@pytest.mark.parametrize("variant", sorted(FIT_VARIANTS))
@pytest.mark.parametrize("model", list_models())
def test_a_fit_takes_the_listed_path(model, variant, images, tmp_path):
    spec = get_model(model)
    params = {**spec.smoke_params, **FIT_VARIANTS[variant]}
    estimator = spec.estimator(
        **params, max_epochs=1, device="cpu", checkpoint=tmp_path, random_state=0
    )
    X, y = images
    estimator.fit(X, y)  # imports happen here, not in the traced fit
    path = trace_fit(estimator, X, y)
    assert path.climbs == [], "a module calls back up into one that called it"
    steps, shared = listed_path()
    leaves = {f"{PACKAGE}.{m}" for m in shared}
    taken = [(m, inside) for m, inside in path.steps if m not in leaves]
    taken_names = [_short(m) for m, _ in taken]
    listed_names = [name for name, _ in steps if name != "base"]
    assert taken_names == listed_names, "fit's steps differ from ARCHITECTURE.md"
    seen_in: dict[str, str] = {}
    for (module, inside), (_, listed) in zip(taken, steps, strict=False):
        for entered in {_short(m) for m in inside} - {_short(m) for m in leaves}:
            assert _is_listed(entered, listed), f"{module} enters {entered}"
            assert seen_in.setdefault(entered, module) == module, (
                f"{entered} is entered in two steps"
            )


def test_every_module_of_the_listing_exists():
    steps, shared = listed_path()
    modules = {_short(m) for m in package_modules()}
    named = {name for name, _ in steps} | shared
    for _, listed in steps:
        named |= listed - {"modules.<network>"}
    assert named <= modules, named - modules
