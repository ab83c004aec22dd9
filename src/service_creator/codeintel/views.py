"""What a file's prompt shows of the files it is built on: their symbol tables, cut to what the
file can use.

Every consumer sees a dependency's public definitions, never its own imports or private
(`_name`) helpers. A Python file sees the rest in full (classes with fields and methods,
functions with signatures, routes). A portal (JavaScript) or a document sees the API surface:
routes, and the pydantic models and settings classes with their fields; the SQL schema sees the
data classes with their fields. Deployment and CI files (YAML, Dockerfile, text) see the
settings (environment names), routes (health probes) and module-level constants whose values
show; of a test file, only that it exists and how many tests it has. Files with no symbols
(requirements.txt, pyproject.toml) come as their first lines, as `ContextIndex` shows them.

When the plan says which names a file imports from a dependency (`FileSpec.uses`) and the
dependency defines them all, the file sees just those, with the names their types mention
(`interface`); if the dependency was written otherwise, it sees the whole view above. A test file
sees the files it tests (`whole`) in full.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from service_creator.codeintel.index import ContextIndex, Symbol, SymbolTable
from service_creator.codeintel.outline import is_private, render_table
from service_creator.domain.project import FileSpec
from service_creator.domain.testfiles import is_test_file

LONG_VALUE = 40
ALIAS = re.compile(r"^(Annotated|Literal|Union|Optional|[A-Z]\w*\s*\|)")
API_SURFACE = frozenset({"javascript", "markdown"})
DEPLOYMENT = frozenset({"yaml", "dockerfile", "text"})
IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
STRING = re.compile(r"\"[^\"]*\"|'[^']*'")


def dependency_context(
    index: ContextIndex, consumer: FileSpec, paths: list[str], whole: Collection[str] = ()
) -> str:
    """The context of `consumer`'s prompt: a view of each file in `paths`, in order; of those
    in `whole` (the files a test file tests), never just the interface."""
    parts: list[str] = []
    for path in paths:
        table = index.table(path)
        if table is None or not table.symbols:
            single = consumer.model_copy(update={"depends_on": [path]})
            parts.append(index.context_for(single))  # not generated yet, or shown as text
        elif is_test_file(path) and consumer.language != "python":
            tests = sum(1 for s in table.symbols if s.kind == "function" and not s.parent)
            parts.append(f"# {path} ({table.language}): {tests} tests")
        else:
            shown = view(table, consumer.language, tests=is_test_file(consumer.path))
            names = consumer.uses.get(path, []) if path not in whole else []
            if names and set(names) <= {s.name for s in shown.symbols if not s.parent}:
                shown = interface(shown, names)
            parts.append(render_table(shown))
    return "\n\n".join(parts)


def interface(table: SymbolTable, names: Collection[str]) -> SymbolTable:
    """Of `table`, the top-level `names` with their members, and the top-level names that their
    types mention (bases, signatures, field annotations, type aliases), and so on; routes stay."""
    top = {s.name: s for s in table.symbols if not s.parent}
    members: dict[str, list[Symbol]] = {}
    for symbol in table.symbols:
        if symbol.parent:
            members.setdefault(symbol.parent, []).append(symbol)
    kept: set[str] = set()
    wanted = [n for n in names if n in top]
    while wanted:
        name = wanted.pop()
        if name not in kept:
            kept.add(name)
            for symbol in (top[name], *members.get(name, [])):
                wanted += [n for n in IDENTIFIER.findall(_typing(symbol)) if n in top]
    keep = [s for s in table.symbols if s.kind == "route" or (s.parent or s.name) in kept]
    return table.model_copy(update={"symbols": keep})


def _typing(symbol: Symbol) -> str:
    """The part of a symbol's detail that names types: a field's annotation, not its default."""
    detail = symbol.detail.partition("= ")[0] if symbol.kind == "field" else symbol.detail
    return STRING.sub("", detail)


def view(table: SymbolTable, consumer: str, *, tests: bool = False) -> SymbolTable:
    """The part of `table` a file in the `consumer` language (a test file: `tests`) can use."""
    public = [_short(s) for s in table.symbols if s.kind != "import" and not is_private(s.name)]
    kept_parents = {s.name for s in public if not s.parent}
    public = [s for s in public if not s.parent or s.parent in kept_parents]
    if tests:  # tests call routes over HTTP: the handlers' signatures (injected params) are noise
        handlers = {s.name for s in public if s.kind == "route"}
        public = [s for s in public if not (s.kind == "function" and s.name in handlers)]
    if consumer == "python" or table.language != "python":
        return table.model_copy(update={"symbols": public})
    shown = _data_classes(table, public)
    settings = {n for n in shown if "settings" in n.lower() or "config" in n.lower()}
    if consumer in API_SURFACE:  # what goes over the wire, and the environment
        wire = (shown & table.pydantic_models()) | settings
        keep = [s for s in public if s.kind == "route" or _in(s, wire)]
    elif consumer == "sql":  # the tables mirror the domain models' fields
        keep = [s for s in public if _in(s, shown)]
    else:  # deployment and CI files: environment names, routes, constants
        keep = [
            s
            for s in public
            if s.kind == "route"
            or _in(s, settings)
            or (s.kind == "variable" and not s.parent and s.name.isupper() and _valued(s))
        ]
    return table.model_copy(update={"symbols": keep})


def _short(symbol: Symbol) -> Symbol:
    """A field or variable with a long value (a literal, a Field(...) call) shows `= ...`: its
    name and type are what another file uses."""
    if symbol.kind not in ("field", "variable") or table_language_free(symbol.detail):
        return symbol
    head, _, value = symbol.detail.partition("= ")
    if len(value) <= LONG_VALUE:
        return symbol
    return symbol.model_copy(update={"detail": f"{head}= ..."})


def table_language_free(detail: str) -> bool:
    """Details without a value (`: int`), and type aliases (`= Literal[...]`), stay as they are."""
    _, equals, value = detail.partition("= ")
    return not equals or bool(ALIAS.match(value))


def _valued(symbol: Symbol) -> bool:
    """A constant whose value shows (not elided by `_short`)."""
    return not symbol.detail.endswith("= ...")


def _data_classes(table: SymbolTable, symbols: list[Symbol]) -> set[str]:
    """Pydantic models (settings included) and dataclass-like classes with fields."""
    models = table.pydantic_models()
    with_fields = {s.parent for s in symbols if s.kind == "field" and s.parent}
    return {s.name for s in symbols if s.kind == "class" and not s.parent} & (models | with_fields)


def _in(symbol: Symbol, classes: set[str]) -> bool:
    """The class itself, or one of its fields."""
    if symbol.parent:
        return symbol.parent in classes and symbol.kind == "field"
    return symbol.kind == "class" and symbol.name in classes
