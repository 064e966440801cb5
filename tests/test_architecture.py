"""The shape between packages, walked from the source so it stays true.

Each domain package sits in one layer of LAYERS and imports only packages in lower layers, so the package
import graph has no cycles. Upward needs go through a signal (portal/signals.py) or a session hook owned by
the higher package, never through an import written inside a function. Portal-level modules are the shared
helpers every domain uses: they import no domain package, except the app factory that wires them all. The network domain keeps the same rule among its sub-packages."""
from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"

# Lowest first: a package may import only the packages before it.
LAYERS = (
    "ops",
    "accounts",
    "audit",
    "network",
    "creatives",
    "links",
    "subids",
    "tracking",
    "events",
    "conversions",
    "reports",
    "logs",
    "exports",
    "rewards",
    "dashboard",
    "demo",
)
# The same rule one level down, inside the network domain; its own modules (models, reach, …) are shared by these.
NETWORK_LAYERS = ("advertisers", "offers", "users", "publishers")


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    target: str  # the package imported, one level below the walked root
    in_function: bool

    def __str__(self) -> str:
        where = " inside a function" if self.in_function else ""
        return f"{self.path.relative_to(PORTAL.parent)}:{self.line} imports {self.target}{where}"


def _package_of(path: Path, root: Path) -> str | None:
    parts = path.relative_to(root).parts
    return parts[0] if len(parts) > 1 else None


def _module_name(path: Path) -> list[str]:
    parts = ["portal", *path.relative_to(PORTAL).with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def _absolute(node: ast.ImportFrom, path: Path) -> list[str]:
    if not node.level:
        base = node.module or ""
    else:
        package = _module_name(path) if path.name == "__init__.py" else _module_name(path)[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, *([node.module] if node.module else [])])
    return [f"{base}.{alias.name}" for alias in node.names]


def _package_imported(module: str, root: Path) -> str | None:
    prefix = ".".join(["portal", *root.relative_to(PORTAL).parts]) + "."
    if not module.startswith(prefix):
        return None
    name = module[len(prefix):].split(".")[0]
    return name if (root / name / "__init__.py").exists() else None


def _function_bodies(tree: ast.AST) -> set[ast.AST]:
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            inside.update(ast.walk(node))
    return inside


def imports_of(path: Path, root: Path = PORTAL) -> list[Import]:
    """Every import of a package directly under `root` other than the file's own, with where it is written."""
    tree = ast.parse(path.read_text(), filename=str(path))
    in_functions = _function_bodies(tree)
    own = _package_of(path, root)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = _absolute(node, path)
        else:
            continue
        for target in sorted({_package_imported(module, root) for module in modules} - {None, own}):
            found.append(Import(path, node.lineno, target, node in in_functions))
    return found


def all_imports(root: Path = PORTAL) -> list[Import]:
    return [found for path in sorted(root.rglob("*.py")) for found in imports_of(path, root)]


def _upward(root: Path, layers: tuple[str, ...]) -> list[str]:
    return [
        str(found) for found in all_imports(root)
        if (own := _package_of(found.path, root)) and layers.index(found.target) >= layers.index(own)
    ]


def _reaching_up(root: Path) -> list[str]:
    """Imports of a package by a module beside the packages (a shared module), apart from the package's blueprints."""
    return [
        str(found) for found in all_imports(root)
        if _package_of(found.path, root) is None and found.path != root / "__init__.py"
    ]


def test_every_domain_package_has_a_layer():
    assert {path.parent.name for path in PORTAL.glob("*/__init__.py")} == set(LAYERS)


def test_domain_packages_import_only_lower_layers():
    upward = _upward(PORTAL, LAYERS)
    assert not upward, "\n".join(upward)


def test_no_domain_import_is_written_inside_a_function():
    hidden = [str(found) for found in all_imports() if found.in_function and _package_of(found.path, PORTAL)]
    assert not hidden, "\n".join(hidden)


def test_shared_portal_modules_import_no_domain_package():
    reaching = _reaching_up(PORTAL)
    assert not reaching, "\n".join(reaching)


def test_network_sub_packages_import_only_lower_ones():
    network = PORTAL / "network"
    assert {path.parent.name for path in network.glob("*/__init__.py")} == set(NETWORK_LAYERS)
    wrong = _upward(network, NETWORK_LAYERS) + _reaching_up(network)
    assert not wrong, "\n".join(wrong)


def test_the_walk_sees_every_kind_of_import(tmp_path, monkeypatch):
    """The walker itself: absolute, relative and function-level imports are all found."""
    package = tmp_path / "portal" / "links"
    package.mkdir(parents=True)
    (tmp_path / "portal" / "tracking").mkdir()
    (tmp_path / "portal" / "tracking" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    module = package / "views.py"
    module.write_text(
        "from portal.tracking.models import Click\n"
        "from ..tracking import jobs\n"
        "from . import forms\n"
        "def view():\n"
        "    import portal.tracking.service\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "PORTAL", tmp_path / "portal")
    assert [(found.line, found.target, found.in_function) for found in imports_of(module, tmp_path / "portal")] == [
        (1, "tracking", False),
        (2, "tracking", False),
        (5, "tracking", True),
    ]
