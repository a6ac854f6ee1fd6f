"""The package's import graph has no cycles, and every module imports on its own.

Imports are read from the source with ``ast``, including those under ``if
TYPE_CHECKING:`` and inside functions: a cycle hidden from the interpreter is
still two modules that cannot be understood apart.
"""

import ast
import importlib
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

import focus_cases

PACKAGE = Path(focus_cases.__file__).parent
MODULES = sorted(
    "focus_cases." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    for path in PACKAGE.rglob("*.py")
    if path.stem != "__init__"
)


def _imported(module: str) -> set[str]:
    """The focus_cases modules (subpackages' too) that ``module``'s source imports."""
    path = PACKAGE / (module.removeprefix("focus_cases.").replace(".", "/") + ".py")
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # "from focus_cases import cases" imports the module focus_cases.cases.
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return (found & set(MODULES)) - {module}


def test_import_graph_has_no_cycles() -> None:
    graph = {module: _imported(module) for module in MODULES}
    assert graph["focus_cases.app"], "the graph reader found no imports at all"
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports(module: str) -> None:
    importlib.import_module(module)
