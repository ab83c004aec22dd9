"""What a model's fix is shown: the fix's prompt, focused on the failing test's suspicious lines.

With suspicious lines in functions of a Python file, the prompt holds those lines, the functions
that hold them, the rest of the file as a symbol table and the failing test's function, the
context of the files it is built on cut to what those functions use; otherwise the whole file
(and the whole test file). operations/fix.py asks the model and splices its reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service_creator.codeintel.functions import FunctionUnit, function_units
from service_creator.codeintel.outline import is_private, render_table
from service_creator.codeintel.symbols import SymbolTable, symbols
from service_creator.codeintel.views import IDENTIFIER
from service_creator.domain.project import FileSpec, GeneratedFile
from service_creator.domain.reports import SuspiciousLine, TestCase, TestReport
from service_creator.generation.model.engine import ModelEngine
from service_creator.generation.workspace import Workspace
from service_creator.llm.ledger import FixFocus
from service_creator.llm.reply import fence_for
from service_creator.resources import render

FAILURE_CHARS = 6000  # of pytest's output, around the failing test
ATTRIBUTE = re.compile(r"\.([A-Za-z_]\w*)")
WHOLE_MODULE = "*"  # in imported_names: the module is imported, not names from it


@dataclass(frozen=True)
class Focus:
    """What a model's fix is shown of the file it fixes: the failing test's suspicious lines,
    and the functions of the file that hold them (none: the whole file is sent)."""

    lines: list[SuspiciousLine]
    functions: list[FunctionUnit]

    def ledger_entry(self, path: str) -> FixFocus | None:
        if not self.lines:
            return None
        return FixFocus(
            path=path,
            lines=[f"{s.location.path}:{s.location.line}" for s in self.lines],
            functions=[f.name for f in self.functions],
            whole_file=not self.functions,
        )


def focus_on(spec: FileSpec, lines: list[SuspiciousLine], current: str) -> Focus:
    """The functions of `spec` that hold its suspicious lines, in the file's order; none when a
    line of it is outside every function (or the file is not Python): then the whole file."""
    own = [s.location.line for s in lines if s.location.path == spec.path]
    if not own or spec.language != "python" or not current:
        return Focus(lines=lines, functions=[])
    units = function_units(current)
    holding = [next((u for u in units if u.start <= line <= u.end), None) for line in own]
    if any(u is None for u in holding):
        return Focus(lines=lines, functions=[])
    names = {u.name for u in holding if u is not None}
    return Focus(lines=lines, functions=[u for u in units if u.name in names])


def fix_prompt(
    engine: ModelEngine,
    spec: FileSpec,
    case: TestCase,
    report: TestReport,
    site: Workspace,
    current: str,
    focus: Focus,
) -> str:
    """The fix's prompt: focused on `focus.functions` when there are some, else the whole file
    (and the whole test file)."""
    for path in spec.depends_on:
        text = site.read(path)
        if text is not None:
            engine.remember(GeneratedFile(path=path, content=text))
    test_file = case.id.split("::")[0]
    test_text = (site.read(test_file) or "") if test_file != spec.path else ""
    functions = focus.functions
    return render(
        "fix_failure.j2",
        test_id=case.id,
        path=spec.path,
        failure=failure_text(case, report),
        suspicious=suspicious_text(focus.lines, site),
        functions="\n".join(
            f"# {spec.path}, lines {f.start}-{f.end}: {f.name}\n{f.text(current)}"
            for f in functions
        ),
        names=[f.name for f in functions],
        outline=render_table(symbols(spec.path, current), header=False) if functions else "",
        content=current,
        test_source=test_function(case.id, test_text) if functions else test_text,
        context=focused_context(
            engine, spec, current, "\n".join(f.text(current) for f in functions)
        )
        if functions
        else engine.context_for(spec),
        fence=fence_for(spec.language),
    )


def focused_context(engine: ModelEngine, spec: FileSpec, current: str, code: str) -> str:
    """What the files `spec` is built on define that `code` (the focused functions of `current`)
    uses: of the names the file imports from each, those `code` names, or whose members it uses
    as attributes (`self.repo.get(...)`: the imported classes with a `get`), with the types they
    mention (codeintel/views.py). A module imported whole (`import models`) offers every name."""
    words = set(IDENTIFIER.findall(code))
    attributes = set(ATTRIBUTE.findall(code))
    imported = imported_names(symbols(spec.path, current))
    uses: dict[str, list[str]] = {}
    for path in spec.depends_on:
        table = engine.index.table(path)
        offered = imported.get(path)
        if table is None or offered is None:
            continue
        members: dict[str, set[str]] = {}
        for symbol in table.symbols:
            if symbol.parent:
                members.setdefault(symbol.parent, set()).add(symbol.name)
        named = [
            s.name
            for s in table.symbols
            if not s.parent
            and s.kind not in ("import", "export")
            and (s.name in offered or (WHOLE_MODULE in offered and not is_private(s.name)))
            and (s.name in words or members.get(s.name, set()) & attributes)
        ]
        if named:
            uses[path] = list(dict.fromkeys(named))
    return engine.context_for(spec.model_copy(update={"depends_on": list(uses), "uses": uses}))


def imported_names(table: SymbolTable) -> dict[str, set[str]]:
    """path of a project module (`a/b.py` for `a.b`): the names imported from it, or
    `WHOLE_MODULE` for `import a.b`."""
    found: dict[str, set[str]] = {}
    for symbol in table.symbols:
        if symbol.kind != "import":
            continue
        words = symbol.detail.split()
        if len(words) >= 4 and words[0] == "from" and words[2] == "import":
            found.setdefault(module_path(words[1]), set()).add(words[3])
        elif len(words) >= 2 and words[0] == "import":
            found.setdefault(module_path(words[1]), set()).add(WHOLE_MODULE)
    return found


def module_path(module: str) -> str:
    return module.lstrip(".").replace(".", "/") + ".py"


def suspicious_text(lines: list[SuspiciousLine], site: Workspace) -> str:
    """One line each: `path:line (score): why` and the line's text."""
    texts: dict[str, list[str]] = {}
    shown: list[str] = []
    for s in lines:
        path, number = s.location.path, s.location.line
        if path not in texts:
            texts[path] = (site.read(path) or "").split("\n")
        source = texts[path][number - 1].strip() if number <= len(texts[path]) else ""
        shown.append(f"{path}:{number} ({s.score:.2f}, {s.why}): {source}")
    return "\n".join(shown)


def test_function(test_id: str, test_text: str) -> str:
    """The failing test's function (`test_x` or `TestC::test_x`, parameters stripped) in its
    file; the whole file when it is not found there."""
    name = ".".join(test_id.split("::")[1:]).split("[")[0]
    unit = next((u for u in function_units(test_text) if u.name == name), None)
    return unit.text(test_text) if unit is not None else test_text


def failure_text(case: TestCase, report: TestReport) -> str:
    """The test's message, and pytest's output around its name (capped)."""
    name = case.id.split("::")[-1]
    output = report.output
    at = output.find(f"_ {name} _")
    if at < 0:
        at = max(0, output.find(name))
    excerpt = output[at : at + FAILURE_CHARS] if output else ""
    return f"{case.outcome}: {case.message}\n\n{excerpt}".strip()
