"""What a failing test's lines say beyond their spectrum: which values and conditions they
depend on (pure: the project's sources in, line facts out; the ranking's tie-break).

- `feeds`: for a line (those asked for: the failing lines), the `return` lines whose value its
  statement may receive: of the project functions (matched by name) it calls, or that the
  assignments earlier in its function call when they bind a name it reads; through
  `return f(...)`, the returns of `f` too, each with its level in that chain (0: direct). A
  failing line that receives a wrong value from a project function points at its returns.
- `guards`: for a line, the innermost `if`/`elif`/`while` whose branch holds it, or the `try`
  whose `except` clause holds it, within its function: a branch only failing tests take is
  where a wrong condition (or a wrong value in it) sends them.

Line = (workspace-relative path, 1-based line), as in sandbox/localize.py.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

from service_creator.domain.python_ast import parse_python

Line = tuple[str, int]


FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
COMPOUND = (
    *SCOPES,
    ast.If,
    ast.While,
    ast.For,
    ast.AsyncFor,
    ast.With,
    ast.AsyncWith,
    ast.Match,
    ast.Try,
    ast.TryStar,
)


def span(node: ast.stmt | ast.expr) -> range:
    return range(node.lineno, (node.end_lineno or node.lineno) + 1)


def own_statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements of a function body at any nesting, not those of nested functions/classes."""
    out: list[ast.stmt] = []
    for statement in body:
        out.append(statement)
        if isinstance(statement, SCOPES):
            continue
        for block in blocks(statement):
            out.extend(own_statements(block))
    return out


def blocks(statement: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists a compound statement holds (branches, handlers, cases)."""
    found: list[list[ast.stmt]] = []
    for name in ("body", "orelse", "finalbody"):
        block: object = getattr(statement, name, None)
        if isinstance(block, list):
            found.append(cast(list[ast.stmt], block))
    if isinstance(statement, ast.Try | ast.TryStar):
        found += [handler.body for handler in statement.handlers]
    if isinstance(statement, ast.Match):
        found += [case.body for case in statement.cases]
    return found


def header(statement: ast.stmt) -> list[ast.expr]:
    """What a statement evaluates on its own lines (a compound statement: its header only)."""
    if isinstance(statement, ast.If | ast.While):
        return [statement.test]
    if isinstance(statement, ast.For | ast.AsyncFor):
        return [statement.iter]
    if isinstance(statement, ast.With | ast.AsyncWith):
        return [item.context_expr for item in statement.items]
    if isinstance(statement, ast.Match):
        return [statement.subject]
    if isinstance(statement, (ast.Try, ast.TryStar, *SCOPES)):
        return []
    return [node for node in ast.iter_child_nodes(statement) if isinstance(node, ast.expr)]


def header_lines(statement: ast.stmt) -> range:
    """The lines of a statement's header; a simple statement's: all of it."""
    parts = header(statement)
    if not isinstance(statement, COMPOUND):
        return span(statement)
    end = max((part.end_lineno or part.lineno for part in parts), default=statement.lineno)
    return range(statement.lineno, end + 1)


def called(nodes: list[ast.expr]) -> set[str]:
    """Names of the functions called in `nodes` (`f(...)` and `x.f(...)`: `f`)."""
    names: set[str] = set()
    for node in nodes:
        for found in ast.walk(node):
            if isinstance(found, ast.Call):
                if isinstance(found.func, ast.Name):
                    names.add(found.func.id)
                elif isinstance(found.func, ast.Attribute):
                    names.add(found.func.attr)
    return names


def names_in(nodes: Sequence[ast.expr]) -> set[str]:
    return {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)}


Assignment = ast.Assign | ast.AnnAssign | ast.AugAssign


def bound(statement: Assignment) -> set[str]:
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    return names_in(targets)


@dataclass
class CallFacts:
    calls: dict[Line, set[str]] = field(default_factory=dict[Line, set[str]])
    # line -> the names its statement calls, directly or through a name it reads
    returns: dict[str, set[Line]] = field(default_factory=dict[str, set[Line]])
    # function name -> the lines of its returns of a value
    return_calls: dict[Line, set[str]] = field(default_factory=dict[Line, set[str]])
    # a return's line -> the names it calls

    def add_function(
        self, path: str, function: ast.FunctionDef | ast.AsyncFunctionDef, wanted: set[int]
    ) -> None:
        """Its returns, and what the statements on the `wanted` lines call."""
        own = own_statements(function.body)
        for statement in own:
            if isinstance(statement, ast.Return) and statement.value is not None:
                direct = called(header(statement))
                for number in span(statement):
                    self.returns.setdefault(function.name, set()).add((path, number))
                    if direct:
                        self.return_calls[(path, number)] = direct
        asked = [s for s in own if not wanted.isdisjoint(header_lines(s))]
        if not asked:
            return
        assignments = [
            (a.lineno, bound(a), called([a.value]))
            for a in own
            if isinstance(a, Assignment) and a.value is not None
        ]
        for statement in asked:
            parts = header(statement)
            reads = names_in(parts)
            names = called(parts)
            for line, targets, calls in assignments:
                if line < statement.lineno and targets & reads:
                    names |= calls
            for number in wanted.intersection(header_lines(statement)) if names else ():
                self.calls.setdefault((path, number), set()).update(names)

    def returns_reached(self, names: set[str]) -> dict[Line, int]:
        """The returns of the functions named, then of those their returns call, by level."""
        found: dict[Line, int] = {}
        seen: set[str] = set()
        frontier, level = set(names), 0
        while frontier:
            following: set[str] = set()
            for name in frontier - seen:
                seen.add(name)
                for line in self.returns.get(name, ()):
                    if line not in found:
                        found[line] = level
                        following |= self.return_calls.get(line, set())
            frontier, level = following, level + 1
        return found


def parsed(source: str) -> ast.Module | None:
    try:
        return parse_python(source)
    except (SyntaxError, ValueError, RecursionError):
        return None


def feeds(sources: Mapping[str, str], lines: Collection[Line]) -> dict[Line, dict[Line, int]]:
    """For each of `lines` (the failing lines: only what is asked is worked out, so a large
    module costs one pass), the `return` lines (every line of each) whose value the line's
    statement may receive, each with its level in the chain of calls (0: direct)."""
    wanted: dict[str, set[int]] = {}
    for path, number in lines:
        wanted.setdefault(path, set()).add(number)
    facts = CallFacts()
    for path, source in sources.items():
        tree = parsed(source)
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, FUNCTIONS):
                facts.add_function(path, node, wanted.get(path, set()))
    out: dict[Line, dict[Line, int]] = {}
    for line, names in facts.calls.items():
        found = facts.returns_reached(names)
        if found:
            out[line] = found
    return out


def guards(sources: Mapping[str, str]) -> dict[Line, Line]:
    """line -> the innermost guard it is control dependent on, within its function: the
    `if`/`elif`/`while` whose branch holds it, or the `try` whose `except` clause holds it."""
    out: dict[Line, Line] = {}
    for path, source in sources.items():
        tree = parsed(source)
        if tree is not None:
            out.update(((path, n), (path, g)) for n, g in file_guards(tree).items())
    return out


def file_guards(tree: ast.Module) -> dict[int, int]:
    out: dict[int, int] = {}

    def mark(statements: list[ast.stmt], guard: int | None) -> None:
        for statement in statements:
            for number in span(statement):
                if guard is None:
                    out.pop(number, None)
                else:
                    out[number] = guard
            visit(statement)

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            mark(node.body, None)
        elif isinstance(node, ast.If | ast.While):
            mark(node.body, node.lineno)
            mark(node.orelse, node.lineno)
        elif isinstance(node, ast.For | ast.AsyncFor | ast.With | ast.AsyncWith):
            outer = out.get(node.lineno)
            mark(node.body, outer)
            mark(node.orelse if isinstance(node, ast.For | ast.AsyncFor) else [], outer)
        elif isinstance(node, ast.Try | ast.TryStar):
            outer = out.get(node.lineno)
            mark(node.body, outer)
            for handler in node.handlers:
                for number in range(handler.lineno, handler.body[0].lineno):
                    out[number] = node.lineno
                mark(handler.body, node.lineno)
            mark(node.orelse, outer)
            mark(node.finalbody, outer)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                mark(case.body, node.lineno)

    visit(tree)
    return out
