"""Rendering a symbol table as compact text for a prompt (`render_table`).

    # schemas.py (python)
    from models import Instance, Plan
    # imports: datetime, pydantic
    class Strict(BaseModel)
    class InstanceOut(Strict)  # pydantic
        id: str
        plan: Plan = Plan.BASIC
    def to_out(instance: Instance) -> InstanceOut

One line per symbol, members indented under their class (or Dockerfile stage), consecutive
imports of one module on one line, `export` in front of the declaration it exports, and
`# pydantic` after a model whose bases do not say so.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from service_creator.codeintel.symbols import Symbol, SymbolTable

_KEYWORDS = {"python": "def ", "javascript": "function "}
PYDANTIC_BASE = re.compile(r"\b(BaseModel|BaseSettings|RootModel)\b")


def render_table(
    table: SymbolTable, header: bool = True, brief: bool = False, project: Collection[str] = ()
) -> str:
    """The table as text: one line per symbol, members indented under their class or stage,
    consecutive imports of one module on one line. `brief` (for the context of another file)
    leaves out private names and folds the imports of modules outside `project` (module names)
    into one line."""
    lines = [f"# {table.path} ({table.language})"] if header else []
    if table.errors:
        lines.append(f"! syntax errors on lines {', '.join(map(str, table.errors[:10]))}")
    shown = [s for s in table.symbols if not (brief and _private(s))]
    members: dict[str, list[Symbol]] = {}
    for symbol in shown:
        if symbol.parent:
            members.setdefault(symbol.parent, []).append(symbol)
    models = table.pydantic_models() if table.language == "python" else set[str]()
    # `export function f` is one line: the export of a declaration goes in front of it
    exported = {
        (s.detail or s.name, s.line): "export default " if s.name == "default" else "export "
        for s in shown
        if s.kind == "export" and s.detail != "module.exports"
    }
    declared = {(s.name, s.line) for s in shown if s.kind != "export"}
    foreign: list[str] = []
    foreign_at = 0  # the line of the folded imports: set with the first foreign module
    done: set[str] = set()
    previous = ("", 0)
    for symbol in shown:
        if symbol.parent:
            continue
        if brief and symbol.kind == "import" and table.language == "python":
            module = _module(symbol.detail)
            if module.lstrip(".") not in project:
                if not foreign:
                    lines.append("")  # its place: filled in below
                    foreign_at = len(lines) - 1
                if module != "__future__" and module not in foreign:
                    foreign.append(module)
                continue
        if symbol.kind in ("import", "export"):
            group, item = _group(symbol, table.language)
            if group and previous == (group, symbol.line if symbol.kind == "export" else 0):
                lines[-1] += f", {item}"
                continue
            if symbol.kind == "export" and (symbol.detail or symbol.name, symbol.line) in declared:
                continue
            previous = (group, symbol.line if symbol.kind == "export" else 0)
        else:
            previous = ("", 0)
        line = _render_one(symbol, table.language)
        if symbol.kind != "export":
            line = exported.get((symbol.name, symbol.line), "") + line
        if symbol.kind == "class" and symbol.name in models and not _says_pydantic(symbol):
            line += "  # pydantic"
        lines.append(line)
        if symbol.name in members and symbol.name not in done and symbol.kind in ("class", "stage"):
            done.add(symbol.name)
            lines.extend("    " + _render_one(m, table.language) for m in members[symbol.name])
    if foreign:
        lines[foreign_at] = f"# imports: {', '.join(foreign)}"
    return "\n".join(line for line in lines if line or not brief)


def is_private(name: str) -> bool:
    """`_helper`; dunders like `__init__` are public."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _private(symbol: Symbol) -> bool:
    """A private name, or a member of `_Private`."""
    return is_private(symbol.name) or symbol.parent.startswith("_")


def _module(detail: str) -> str:
    """The module of a Python import's detail: `from a.b import c` and `import a.b as c` -> a.b"""
    words = detail.split()
    return words[1] if len(words) > 1 else ""


def _group(symbol: Symbol, language: str) -> tuple[str, str]:
    """What consecutive imports (of one module) or exports (of one statement) share."""
    if symbol.kind == "export":
        return f"export {symbol.detail}", symbol.name
    if language == "python" and symbol.detail.startswith("from "):
        module, _, name = symbol.detail.rpartition(" import ")
        return module, name
    return "", ""


def _render_one(symbol: Symbol, language: str) -> str:
    kind, name, detail = symbol.kind, symbol.name, symbol.detail
    if kind in ("function", "method"):
        keyword = _KEYWORDS.get(language, "") if kind == "function" or language == "python" else ""
        if detail.startswith(("async ", "static ", "get ", "set ")):
            modifier, _, detail = detail.partition(" ")
            keyword = f"{modifier} {keyword}"
        return f"{keyword}{name}{detail}"
    if kind == "class":
        if language == "sql":
            return f"TABLE {name}"
        return (
            f"class {name}{detail}"
            if detail.startswith("(") or not detail
            else (f"class {name} {detail}")
        )
    if kind == "variable" and language == "dockerfile":
        keyword, _, value = detail.partition(" ")
        return f"{keyword} {name}={value}" if value else f"{keyword} {name}"
    if kind in ("field", "variable"):
        return f"{name}{detail}" if detail.startswith(":") or not detail else f"{name} {detail}"
    if kind == "import":
        return detail
    if kind == "route":
        return f"{detail} -> {name}"
    if kind == "export":
        return f"{detail}: {name}" if detail == "module.exports" else f"export {name}"
    if kind == "key":
        return f"{name}: {detail}" if language == "yaml" else f"{name} {detail}"
    if kind == "kind":
        return f"{name} {detail}".rstrip()
    if kind == "stage":
        return f"FROM {detail}" + ("" if name.isdigit() else f" AS {name}")
    if kind == "port":
        return f"EXPOSE {name}"
    return f"{kind} {name} {detail}".rstrip()


def _says_pydantic(cls: Symbol) -> bool:
    """Whether a class's bases name a pydantic base themselves (then it needs no note)."""
    return PYDANTIC_BASE.search(cls.detail) is not None
