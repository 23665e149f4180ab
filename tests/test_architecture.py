"""The arrows between the project's modules point down, and never in a circle.

Layers, from the bottom: ``pim`` (the core: organisations, people, the permission primitive)
knows no app; ``actionplans`` and ``consent`` build on it and not on each other; ``datasharing``
builds on both (an agreement cites consent-form versions). Extension goes the other way through
AppConfig hooks (demo loaders, bench modules, people rules registered in ready()). Imports inside
functions count too: a circle hidden in a function is still a circle. ``make lint`` runs this.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["pim", "actionplans", "consent", "datasharing"]
# What each package may import from the others.
MAY_IMPORT = {
    "pim": set(),
    "actionplans": {"pim"},
    "consent": {"pim"},
    "datasharing": {"pim", "consent"},
}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            # "from package import module" depends on that module (a package's own __init__
            # is imported before any of its modules anyway); "from module import name" on it.
            submodules = [f"{base}.{alias.name}" for alias in node.names]
            candidates = [m for m in submodules if m in known] or [base]
        else:
            continue
        for candidate in candidates:
            while candidate and candidate not in known and "." in candidate:
                candidate = candidate.rpartition(".")[0]
            if candidate in known and candidate != name:
                targets.add(candidate)
    return targets


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imported(name, path, known) for name, path in known.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iteratively)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_every_package_imports_only_the_layers_below_it():
    wrong = sorted(
        f"{name} -> {target}"
        for name, targets in graph().items()
        for target in targets
        if (top := target.split(".")[0]) != name.split(".")[0]
        and top not in MAY_IMPORT[name.split(".")[0]]
    )
    assert wrong == []


def test_no_module_imports_itself_through_others():
    assert circles(graph()) == []


def test_the_checks_would_see_a_circle_and_a_wrong_arrow():
    """The reader finds imports inside functions and relative ones (so the tests can fail)."""
    edges = graph()
    assert "actionplans.exchange.jobs" in edges["actionplans.tasks"]
    assert "pim.permissions" in edges["pim.models"]
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
