"""Consistency across the files of one generated project, from their symbol tables.

Three facts are checked, each broken one becoming a `Finding` (source "consistency") on the
line that states it:

1. imports resolve: every `from X import Y` where X is a file of the project names a top-level
   symbol of X (a class, function, variable or import), and after `import X` every `X.Y` does;
2. routes are tested: every route of the API has a client call in a test file whose method
   matches and whose path matches the route's template (placeholders matched loosely, an
   f-string's fields match anything);
3. settings exist (best effort): every `settings.X`, `get_settings().X` or `config.settings.X`
   in a file that imports from config.py names a member of config.py's settings class.

Files live at the project root (flat layout); packages and relative imports resolve too.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from service_creator.codeintel.index import ContextIndex
from service_creator.codeintel.symbols import Symbol, SymbolTable
from service_creator.codeintel.uses import Uses, file_uses
from service_creator.domain.project import GeneratedFile
from service_creator.domain.reports import Finding, Location
from service_creator.domain.testfiles import is_test_file

__all__ = ["check_consistency", "imported_names", "path_matches"]

DEFINED = ("class", "function", "variable")
MODEL_API = frozenset(("dict", "json", "copy", "parse_obj", "schema", "Config"))
_FROM_IMPORT = re.compile(r"^from (\S+) import (\S+)(?: as (\S+))?$")
_IMPORT = re.compile(r"^import (\S+)(?: as (\S+))?$")


@dataclass
class _Project:
    index: ContextIndex
    python: list[SymbolTable]
    uses: dict[str, Uses] = field(default_factory=dict[str, Uses])

    @classmethod
    def of(cls, files: list[GeneratedFile] | ContextIndex) -> _Project:
        index = files if isinstance(files, ContextIndex) else ContextIndex.from_files(files)
        return cls(index, [t for t in index.tables() if t.language == "python"])

    def from_imports(self, table: SymbolTable) -> Iterator[tuple[Symbol, str, str, str]]:
        """(symbol, module, name, file) of each `from <module> import <name>` in `table` whose
        module is another file of the project (star imports left out)."""
        for symbol in table.symbols:
            found = _FROM_IMPORT.match(symbol.detail) if symbol.kind == "import" else None
            if found is None or found.group(2) == "*":
                continue
            target = self.module(found.group(1), table.path)
            if target is not None and target != table.path:
                yield symbol, found.group(1), found.group(2), target

    def table(self, path: str) -> SymbolTable:
        """The table of a file of the project (one `module` found)."""
        table = self.index.table(path)
        if table is None:
            raise LookupError(f"{path} is not a file of the project")
        return table

    def uses_of(self, path: str) -> Uses:
        if path not in self.uses:
            self.uses[path] = file_uses(self.index, path)
        return self.uses[path]

    def module(self, name: str, importer: str) -> str | None:
        """The project file a module name refers to, from `importer`, if any."""
        level = len(name) - len(name.lstrip("."))
        relative = name[level:].replace(".", "/")
        bases = [posixpath.dirname(importer)] if level else ["", posixpath.dirname(importer)]
        for base in bases:
            for _ in range(max(level - 1, 0)):
                base = posixpath.dirname(base)
            stem = posixpath.join(base, relative) if relative else base
            for candidate in (f"{stem}.py", posixpath.join(stem, "__init__.py")):
                if candidate in self.index:
                    return candidate.lstrip("/")
        return None


def check_consistency(
    files: list[GeneratedFile] | ContextIndex, *, config: str = "config.py"
) -> list[Finding]:
    """Every broken cross-file fact of the project, in file and line order."""
    project = _Project.of(files)
    findings = _imports(project) + _routes(project) + _settings(project, config)
    return sorted(findings, key=lambda f: (f.location.path, f.location.line, f.location.column))


def imported_names(files: list[GeneratedFile]) -> dict[str, dict[str, list[str]]]:
    """For each Python file: the names it imports (`from X import Y`) from each other file of the
    project, in the order it imports them."""
    project = _Project.of(files)
    found: dict[str, dict[str, list[str]]] = {}
    for table in project.python:
        for _symbol, _module, name, target in project.from_imports(table):
            names = found.setdefault(table.path, {}).setdefault(target, [])
            names += [name] if name not in names else []
    return found


def _finding(path: str, line: int, column: int, message: str, code: str) -> Finding:
    return Finding(
        location=Location(path=path, line=line, column=max(column, 1)),
        message=message,
        source="consistency",
        code=code,
    )


def _has(table: SymbolTable, wanted: str, limit: int = 12) -> str:
    """`it has: ProvisionIn, ...`: what a file defines, the names closest to `wanted` first."""
    names = sorted({s.name for s in table.symbols if not s.parent and s.kind in DEFINED})
    if not names:
        return "it defines nothing at the top level"
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.5)
    ordered = close + [n for n in names if n not in close]
    more = ", ..." if len(ordered) > limit else ""
    return f"it has: {', '.join(ordered[:limit])}{more}"


def _broken_note(table: SymbolTable) -> str:
    if not table.errors:
        return ""
    return f"; {table.path} has syntax errors on line {', '.join(map(str, table.errors[:3]))}"


# --- 1. imports -------------------------------------------------------------------------------


def _imports(project: _Project) -> list[Finding]:
    findings: list[Finding] = []
    for table in project.python:
        for symbol, module, name, target in project.from_imports(table):
            target_table = project.table(target)
            submodule = f"{module}{name}" if module.endswith(".") else f"{module}.{name}"
            if name in target_table.top_level() or project.module(submodule, table.path):
                continue
            column = project.uses_of(table.path).column(symbol.line, name, after=" import ")
            message = (
                f"{table.path} imports {name} from {module}, but {target} defines no "
                f"{name} ({_has(target_table, name)}){_broken_note(target_table)}"
            )
            findings.append(_finding(table.path, symbol.line, column, message, "import"))
        modules: dict[str, str] = {}  # a name bound by `import X [as A]` -> X's file
        for symbol in table.symbols:
            found = _IMPORT.match(symbol.detail) if symbol.kind == "import" else None
            if found and "." not in found.group(1):
                target = project.module(found.group(1), table.path)
                if target is not None and target != table.path:
                    modules[found.group(2) or found.group(1)] = target
        findings += _module_attributes(project, table, modules)
    return findings


def _module_attributes(
    project: _Project, table: SymbolTable, modules: dict[str, str]
) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    if not modules:
        return findings
    for use in project.uses_of(table.path).attributes:
        target = modules.get(use.object) if use.kind == "name" else None
        if target is None or (use.object, use.name) in seen:
            continue
        target_table = project.table(target)
        if use.name in target_table.top_level() or use.name.startswith("__"):
            continue
        seen.add((use.object, use.name))
        message = (
            f"{table.path} uses {use.object}.{use.name}, but {target} defines no {use.name} "
            f"({_has(target_table, use.name)}){_broken_note(target_table)}"
        )
        findings.append(_finding(table.path, use.line, use.column, message, "import"))
    return findings


# --- 2. routes have tests ---------------------------------------------------------------------


def _routes(project: _Project) -> list[Finding]:
    tests = [t for t in project.python if is_test_file(t.path)]
    routes = [
        (table, method, path, symbol)
        for table in project.python
        if not is_test_file(table.path)
        for method, path, symbol in table.routes()
    ]
    if not tests or not routes:
        return []
    calls = [(t.path, call) for t in tests for call in project.uses_of(t.path).calls]
    test_names = ", ".join(t.path for t in tests)
    findings: list[Finding] = []
    for table, method, template, symbol in routes:
        same_path = [c for _, c in calls if path_matches(template, c.path)]
        if any(c.method == method for c in same_path):
            continue
        others = sorted({c.method for c in same_path})
        hint = (
            f"; the tests call it only with {', '.join(others)}"
            if others
            else f"; no client.{method.lower()}(...) call in {test_names} matches the path"
        )
        message = f"{method} {template} ({symbol.name} in {table.path}) has no test{hint}"
        findings.append(_finding(table.path, symbol.line, 1, message, "untested-route"))
    return findings


def path_matches(template: str, path: str) -> bool:
    """Whether a called path (`/instances/abc/usage`, or from an f-string `/instances/{}/usage`)
    fits a route template (`/instances/{instance_id}/usage`)."""
    expected = [s for s in template.split("/") if s]
    actual = [s for s in path.split("/") if s]
    for position, segment in enumerate(expected):
        if segment.startswith("{") and segment.endswith(":path}"):
            return len(actual) > position
        if position >= len(actual):
            return False
        called = actual[position]
        if segment.startswith("{") and segment.endswith("}"):
            continue
        if "{}" in called:
            pattern = ".*".join(re.escape(part) for part in called.split("{}"))
            if re.fullmatch(pattern, segment):
                continue
            return False
        if called != segment:
            return False
    return len(actual) == len(expected)


# --- 3. settings exist ------------------------------------------------------------------------


def _settings(project: _Project, config: str) -> list[Finding]:
    table = project.index.table(config)
    if table is None or table.language != "python":
        return []
    settings_class = _settings_class(table)
    if settings_class is None:
        return []
    members = _members(table, settings_class)
    instances = {
        s.name
        for s in table.symbols
        if s.kind == "variable"
        and not s.parent
        and re.search(rf"=\s*{settings_class}\s*\(|=\s*\w+\s*\(\s*\)\s*$", s.detail)
    }
    factories = {
        s.name
        for s in table.symbols
        if s.kind == "function" and not s.parent and s.detail.endswith(f"-> {settings_class}")
    }
    findings: list[Finding] = []
    for user in project.python:
        objects, calls = _settings_names(project, user, config, instances, factories)
        seen: set[str] = set()
        for use in project.uses_of(user.path).attributes:
            known = objects if use.kind in ("name", "attribute") else calls
            if use.object not in known or use.name in members or use.name in seen:
                continue
            if use.name.startswith(("model_", "__")) or use.name in MODEL_API:
                continue
            seen.add(use.name)
            shown = f"{use.object}()" if use.kind == "call" else use.object
            message = (
                f"{user.path} uses {shown}.{use.name}, but {config}'s {settings_class} has no "
                f"field {use.name} ({_members_hint(members, use.name)})"
            )
            findings.append(_finding(user.path, use.line, use.column, message, "setting"))
    return findings


def _settings_class(table: SymbolTable) -> str | None:
    """The settings class of config.py: the class a top-level function returns or a top-level
    variable is built from, else `Settings`, else one based on BaseSettings, else the one class
    named `...Settings`."""
    classes = {s.name: s for s in table.symbols if s.kind == "class" and not s.parent}
    for symbol in table.symbols:
        if symbol.parent:
            continue
        if symbol.kind == "function":
            made = symbol.detail.rpartition(" -> ")[2].strip("'\"")
        elif symbol.kind == "variable":
            made = symbol.detail.rpartition("= ")[2].partition("(")[0].strip()
        else:
            continue
        if made in classes:
            return made
    if "Settings" in classes:
        return "Settings"
    based = [name for name, cls in classes.items() if "BaseSettings" in cls.detail]
    named = [name for name in classes if name.endswith("Settings")]
    return based[-1] if based else named[0] if len(named) == 1 else None


def _members(table: SymbolTable, cls: str) -> set[str]:
    """The members of a class, with those of its bases defined in the same file."""
    members: set[str] = set()
    todo = [cls]
    done: set[str] = set()
    while todo:
        name = todo.pop()
        done.add(name)
        members |= {m.name for m in table.members(name)}
        symbol = table.get(name, "class")
        if symbol is not None:
            bases = {b.strip() for b in symbol.detail.strip("()").split(",")}
            todo += [b for b in bases if b not in done and table.get(b, "class")]
    return members


def _members_hint(members: set[str], wanted: str) -> str:
    names = sorted(members)
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.5)
    ordered = close + [n for n in names if n not in close]
    more = ", ..." if len(ordered) > 12 else ""
    return f"it has: {', '.join(ordered[:12])}{more}" if names else "it has no fields"


def _settings_names(
    project: _Project, user: SymbolTable, config: str, instances: set[str], factories: set[str]
) -> tuple[set[str], set[str]]:
    """The names that stand for the settings object in `user`, and the functions returning it."""
    if user.path == config:
        return instances | {"settings"}, factories
    objects: set[str] = set()
    calls: set[str] = set()
    for symbol in user.symbols:
        if symbol.kind != "import":
            continue
        if found := _FROM_IMPORT.match(symbol.detail):
            if project.module(found.group(1), user.path) != config:
                continue
            name, bound = found.group(2), found.group(3) or found.group(2)
            objects.add("settings")  # the usual name of an injected settings parameter
            if name in instances:
                objects.add(bound)
            elif name in factories:
                calls.add(bound)
        elif (found := _IMPORT.match(symbol.detail)) and project.module(
            found.group(1), user.path
        ) == config:
            objects |= instances
    return objects, calls
