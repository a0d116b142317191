"""No import cycle among skal's subpackages, counting the imports made inside functions too.

A function-local import hides a cycle from Python's import machinery, not from
a reader: every ``import``/``from ... import`` in every module is read from the
source with :mod:`ast`, resolved to the subpackage it names (``skal.pools``,
``skal.journal``, ``skal.callbacks``...), and the graph of subpackages must have
no cycle.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "skal"


def _unit(module):
    """The subpackage (or top-level module) a dotted ``skal...`` name belongs to: ``skal.pools._torch`` → ``pools``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "skal" else None


def _module_name(path):
    parts = ("skal", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path.name == "__init__.py"


def _imports(path):
    """``(line, imported skal module)`` for every import in ``path``, relative ones resolved."""
    name, is_package = _module_name(path)
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names if alias.name.startswith("skal"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("skal"):
                continue
            if node.module is None or target == "skal":  # ``from .. import pools``: each name may be a subpackage
                yield from ((node.lineno, f"{target}.{alias.name}") for alias in node.names)
            else:
                yield node.lineno, target


def import_graph():
    """``{unit: {other unit: [(file, line), ...]}}`` over every module of skal."""
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _unit(_module_name(path)[0])
        if source is None:  # skal/__init__.py re-exports the public names: it sits above every unit
            continue
        for line, target in _imports(path):
            unit = _unit(target)
            if unit is not None and unit != source:
                graph.setdefault(source, {}).setdefault(unit, []).append((str(path.relative_to(PACKAGE)), line))
    return graph


def find_cycle(graph):
    """One cycle of units as a list ``[a, b, ..., a]``, or None."""
    state = {}

    def visit(unit, trail):
        state[unit] = "open"
        for nxt in sorted(graph.get(unit, {})):
            if state.get(nxt) == "open":
                return trail[trail.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt, trail + [nxt])):
                return cycle
        state[unit] = "done"
        return None

    for unit in sorted(graph):
        if unit not in state and (cycle := visit(unit, [unit])):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_and_names_it():
    assert find_cycle({"a": {"b": []}, "b": {"c": []}, "c": {"a": []}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": []}, "b": {"c": []}, "d": {"a": []}}) is None


def test_relative_imports_are_resolved_to_their_subpackage(tmp_path):
    graph = import_graph()
    assert "utils" in graph["strategies"]  # skal/strategies/_base.py: from ..utils._random import ...


def test_skal_pools_is_the_bottom_layer():
    assert "pools" not in import_graph(), "skal/pools imports nothing of skal: every other layer reads pools through it"


def test_no_import_cycle_among_subpackages():
    graph = import_graph()
    cycle = find_cycle(graph)
    if cycle:
        where = [f"{a} -> {b}: " + ", ".join(f"{f}:{n}" for f, n in graph[a][b][:4]) for a, b in zip(cycle, cycle[1:])]
        pytest.fail("import cycle " + " -> ".join(cycle) + "\n" + "\n".join(where))


#: Helpers that ask what type a user's pool is: defined in skal/pools, called nowhere else.
SNIFFERS = {"is_torch_dataset", "is_lazy_pool", "is_pool_object", "_safe_indexing", "_num_samples", "issparse"}
#: The names a pool goes by below the learner.
POOL_NAMES = {"X", "X_pool", "pool", "inputs", "chunk", "data"}


def _sniffing(path):
    """``(line, what)`` for each type question asked of a pool variable in ``path``."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        first = node.args[0] if node.args else None
        on_pool = isinstance(first, ast.Name) and first.id in POOL_NAMES
        if name in SNIFFERS and (on_pool or name.startswith("is_") and name != "issparse"):
            yield node.lineno, name
        elif name in ("isinstance", "hasattr") and on_pool and not _skal_type(node.args[1]):
            yield node.lineno, f"{name}({first.id}, ...)"


#: skal's own pool wrappers: asking whether a pool is one of these is not asking about the user's type.
OWN_TYPES = {"Pool", "RayPool", "RowsView", "CastRows", "ParquetPool"}


def _skal_type(node):
    return isinstance(node, ast.Name) and node.id in OWN_TYPES


def test_only_skal_pools_asks_what_type_the_users_pool_is():
    found = [
        f"{path.relative_to(PACKAGE)}:{line}: {what}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] != "pools"
        for line, what in _sniffing(path)
    ]
    assert not found, "ask the Pool (skal.pools.as_pool(X).kind, .lazy, .ndarray...) instead:\n" + "\n".join(found)
