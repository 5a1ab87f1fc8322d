"""Dependency direction, checked by parsing imports (ARCHITECTURE.md, "Dependencies point one way").

Inside a feature: views -> services, permissions, forms -> models -> extensions. Models import no
service, form or view; another feature is used only through its services and models. The leaf
``extensions.py`` imports nothing from lms. No import hides inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from lms.config import ROOT

LMS = ROOT / "lms"
# Every folder of lms/ is a feature (translations/ holds catalogs, not code).
NOT_FEATURES = {"translations", "__pycache__"}
FEATURE_DIRS = sorted(p for p in LMS.iterdir() if p.is_dir() and p.name not in NOT_FEATURES)
FEATURES = [p.name for p in FEATURE_DIRS]
# Features from the lowest up: a feature uses only features below it (ARCHITECTURE.md, layout).
FEATURE_ORDER = ["accounts", "jp", "courses", "notifications", "results", "quizzes", "projects"]
# The layer of a module is named by its first part below the feature (``lms.courses.services.
# catalogue`` is in ``services``, ``lms.courses.admin.lessons`` in ``views``).
LAYER_OF = {
    "models": "models",
    "services": "services",
    "queries": "queries",
    "permissions": "permissions",
    "forms": "forms",
    "views": "views",
    "review_views": "views",
    "admin_views": "views",
    "admin": "views",
    "api": "views",
    "question_types": "models",
    "nip": "models",
    "demo": "services",
    "gift": "services",
    "aiken": "services",
    "results_sources": "services",
    "packages": "services",
    "pdf": "services",
}
ALLOWED_SAME_FEATURE = {
    "models": {"models"},
    "permissions": {"models"},
    "forms": {"models"},
    "queries": {"models", "permissions", "queries"},
    "services": {"models", "services", "permissions", "queries"},
    "views": {"models", "services", "permissions", "forms", "views", "queries"},
}
CROSS_FEATURE_OK = {"models", "services", "permissions"}
CROSS_FEATURE_FROM_MODELS_OK = {"models"}


def _modules():
    for path in sorted(LMS.rglob("*.py")):
        if "translations" in path.parts:
            continue
        rel = path.relative_to(ROOT).with_suffix("")
        yield ".".join(rel.parts), path


def _imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    top_level = set()
    for node in tree.body:
        top_level.add(id(node))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node, node.module
            for alias in node.names:
                yield node, f"{node.module}.{alias.name}"


def _layer(module_name: str) -> str | None:
    parts = module_name.split(".")
    if len(parts) < 3 or parts[0] != "lms" or parts[1] not in FEATURES:
        return None
    return LAYER_OF.get(parts[2])


def _feature(module_name: str) -> str | None:
    parts = module_name.split(".")
    if len(parts) >= 3 and parts[0] == "lms" and parts[1] in FEATURES:
        return parts[1]
    return None


MODULES = list(_modules())


@pytest.mark.parametrize("name,path", MODULES, ids=[m for m, _ in MODULES])
def test_imports_point_one_way(name, path):
    problems = []
    my_feature, my_layer = _feature(name), _layer(name)
    for _node, target in _imports(path):
        if not target.startswith("lms"):
            continue
        if name == "lms.extensions":
            problems.append(f"extensions.py imports {target}")
            continue
        t_feature = _feature(target)
        t_layer = _layer(target) if t_feature else None
        if my_feature is None or t_feature is None or t_layer is None or my_layer is None:
            continue
        if t_feature == my_feature:
            if t_layer not in ALLOWED_SAME_FEATURE.get(my_layer, set()):
                problems.append(f"{my_layer} imports {t_layer}: {target}")
        else:
            allowed = CROSS_FEATURE_FROM_MODELS_OK if my_layer == "models" else CROSS_FEATURE_OK
            if t_layer not in allowed:
                problems.append(f"{name} uses another feature's {t_layer}: {target}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name,path", MODULES, ids=[m for m, _ in MODULES])
def test_no_imports_inside_functions(name, path):
    tree = ast.parse(path.read_text(), filename=str(path))
    hidden = []
    for func in ast.walk(tree):
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(func):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    mod = getattr(node, "module", None) or node.names[0].name
                    if mod.startswith("lms"):
                        hidden.append(f"line {node.lineno}: {mod}")
    assert not hidden, f"imports inside functions (a circular import to fix): {hidden}"


def test_the_checker_catches_a_wrong_arrow(tmp_path):
    """The checker itself must be able to fail: a model importing a view is flagged."""
    bad = tmp_path / "models.py"
    bad.write_text("from lms.accounts.views import bp\n")
    targets = [t for _, t in _imports(bad)]
    assert "lms.accounts.views" in targets
    assert _layer("lms.accounts.views") == "views"
    assert "views" not in ALLOWED_SAME_FEATURE["models"]


@pytest.mark.parametrize("folder", FEATURE_DIRS, ids=FEATURES)
def test_every_feature_folder_is_a_package(folder):
    """A folder without ``__init__.py`` would drop out of the import checks above."""
    assert (folder / "__init__.py").exists(), f"lms/{folder.name}/ has no __init__.py"


def test_every_feature_has_a_place_in_the_order():
    assert set(FEATURES) <= set(FEATURE_ORDER), set(FEATURES) - set(FEATURE_ORDER)


@pytest.mark.parametrize("name,path", MODULES, ids=[m for m, _ in MODULES])
def test_features_use_only_lower_features(name, path):
    mine = _feature(name)
    if mine is None:
        return
    higher = set(FEATURE_ORDER[FEATURE_ORDER.index(mine) + 1 :])
    wrong = [t for _, t in _imports(path) if _feature(t) in higher]
    assert not wrong, f"{name} uses a higher feature: {sorted(set(wrong))}"


@pytest.mark.parametrize("name,path", MODULES, ids=[m for m, _ in MODULES])
def test_every_module_in_a_feature_has_a_layer(name, path):
    """A new module name must be given a layer here, or its imports go unchecked."""
    if _feature(name) is None or name.endswith(f"{_feature(name)}.__init__"):
        return
    assert _layer(name) is not None, f"{name}: add its first part to LAYER_OF"


def test_the_checker_knows_the_layers_of_packages():
    assert _layer("lms.courses.services.catalogue") == "services"
    assert _layer("lms.courses.admin.lessons") == "views"
    assert _layer("lms.courses.queries.outline") == "queries"
    assert "services" not in ALLOWED_SAME_FEATURE["queries"]
