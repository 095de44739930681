"""The layout holds: the data flows one way (corpus -> embed -> indexes -> parallax), no
module imports another's private names, no import cycle, Ray stays inside its engine, and the
lowest layer knows nothing of the interfaces above it (docs/architecture.md).

Read from the source with `ast`, lazy imports inside functions included: a cycle or a layer
crossed inside a function is the same coupling, only deferred."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("corpus", "embed", "indexes", "parallax")
# What each library may import of ours (DESIGN.md: indexes -> corpus types only, embed ->
# corpus errors only; corpus imports nothing of ours).
ALLOWED = {
    "corpus": {"corpus"},
    "embed": {"embed", "corpus.errors"},
    "indexes": {"indexes", "corpus.types", "corpus.errors", "corpus.sentences"},
    "parallax": {"parallax", "indexes", "embed", "corpus"},
}
RAY_ENGINE = "parallax.indexing.engines.ray"


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the module imported (for `from X import y`: X, or X.y when y is a module)
    names: tuple[str, ...]  # the names taken from it
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


MODULES = sources()


def imports(module: str, path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = tuple(a.name for a in node.names)
            submodules = [f"{base}.{n}" for n in names if f"{base}.{n}" in MODULES]
            if len(submodules) < len(names):  # names defined by `base` itself
                yield Import(module, base, names, node.lineno)
            for sub in submodules:
                yield Import(module, sub, (), node.lineno)


ALL_IMPORTS = [i for m, p in MODULES.items() for i in imports(m, p)]


def ours(target: str) -> bool:
    return target.split(".")[0] in PACKAGES


def test_the_modules_were_found() -> None:
    assert {"parallax.service", "indexes", "corpus", "embed"} <= set(MODULES)


def test_every_import_of_ours_names_a_module_that_exists() -> None:
    """What the other checks read is the real graph: a moved module leaves no stale import."""
    missing = [f"{i.module}:{i.line} imports {i.target}" for i in ALL_IMPORTS
               if ours(i.target) and i.target not in MODULES]
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("layer", PACKAGES)
def test_each_layer_imports_only_what_is_below_it(layer: str) -> None:
    allowed = ALLOWED[layer]
    crossing = [f"{i.module}:{i.line} imports {i.target}" for i in ALL_IMPORTS
                if i.module.split(".")[0] == layer and ours(i.target)
                and not any(i.target == a or i.target.startswith(a + ".") for a in allowed)]
    assert not crossing, "\n".join(crossing)


def test_no_module_imports_a_private_name_of_another() -> None:
    private = [f"{i.module}:{i.line} takes {name} from {i.target}" for i in ALL_IMPORTS
               if ours(i.target) and i.target != i.module
               for name in i.names if name.startswith("_") and not name.startswith("__")]
    private += [f"{i.module}:{i.line} imports the private module {i.target}"
                for i in ALL_IMPORTS if ours(i.target)
                and any(p.startswith("_") and not p.startswith("__")
                        for p in i.target.split("."))]
    assert not private, "\n".join(private)


def test_no_module_reaches_into_another_modules_private_names() -> None:
    """`import parallax.indexing as x; x._load(...)` is the same as importing `_load`."""
    found = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if ours(alias.name):
                        aliases[alias.asname or alias.name.split(".")[0]] = alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and ours(node.module):
                for alias in node.names:
                    if f"{node.module}.{alias.name}" in MODULES:
                        aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                found.append(f"{module}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}")
    assert not found, "\n".join(found)


def test_there_is_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for i in ALL_IMPORTS:
        if i.target in MODULES and i.target != i.module:
            graph[i.module].add(i.target)
    cycle = _find_cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_only_the_ray_engine_imports_ray() -> None:
    users = {i.module for i in ALL_IMPORTS if i.target.split(".")[0] == "ray"}
    assert users <= {RAY_ENGINE}, users


def test_the_libraries_never_import_the_application() -> None:
    users = {i.module for i in ALL_IMPORTS
             if i.target.split(".")[0] == "parallax" and i.module.split(".")[0] != "parallax"}
    assert not users, users


def test_the_lowest_layer_knows_nothing_of_http() -> None:
    """The error kind lives in corpus; its HTTP status belongs to the server."""
    named = []
    for module, path in MODULES.items():
        if not module.startswith("corpus"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = (node.id if isinstance(node, ast.Name) else node.attr
                    if isinstance(node, ast.Attribute) else node.name
                    if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else "")
            if "http" in name.lower() and "html" not in name.lower():
                named.append(f"{module}:{node.lineno} {name}")
    assert not named, named
    web = {i.module for i in ALL_IMPORTS if i.module.startswith("corpus")
           and i.target.split(".")[0] in ("fastapi", "starlette", "uvicorn", "http", "mcp")}
    assert not web, web
