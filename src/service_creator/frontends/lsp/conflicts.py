"""Conflict markers an update wrote into the user's file, as diagnostics with code actions.

Each region (`<<<<<<< yours` ... `=======` ... `>>>>>>> generated`, git's markers as
generation/merge.py writes them; a `|||||||` base section is skipped) is a diagnostic (source
service-creator, code `merge-conflict`) over its lines, with three code actions, each a
WorkspaceEdit replacing the region: "Keep mine", "Take generated", "Keep both". The files an
update marked are tracked (`DiagnosticsStore.conflicts`); their diagnostics are computed again
from the document on didOpen/didChange/didSave, and a file with no region left is forgotten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from service_creator.domain.project import CONFLICT_YOURS
from service_creator.frontends.lsp.writer import read_as_editor

if TYPE_CHECKING:
    from service_creator.frontends.lsp.server import ServiceCreatorServer

CONFLICT_CODE = "merge-conflict"
OUR_SOURCE = "service-creator"
START, BASE, MIDDLE, END = "<<<<<<<", "|||||||", "=======", ">>>>>>>"
Resolution = Literal["mine", "generated", "both"]
Units = Callable[[str], int]  # a line's length in the client's code units
TITLES: dict[Resolution, str] = {
    "mine": "Keep mine",
    "generated": "Take generated",
    "both": "Keep both",
}


@dataclass(frozen=True)
class Region:
    """One conflict, by 0-based line: the start marker, the separator, the end marker."""

    start: int
    middle: int
    end: int
    yours: list[str]
    generated: list[str]

    def resolved(self, how: Resolution) -> str:
        kept = {
            "mine": self.yours,
            "generated": self.generated,
            "both": [*self.yours, *self.generated],
        }[how]
        return "".join(kept)


def regions(text: str) -> list[Region]:
    """The complete marker regions of `text`, in order (an unfinished one is not a region)."""
    lines = text.splitlines(keepends=True)
    found: list[Region] = []
    index = 0
    while index < len(lines):
        if not lines[index].startswith(START):
            index += 1
            continue
        region = _region_at(lines, index)
        if region is None:
            index += 1
            continue
        found.append(region)
        index = region.end + 1
    return found


def _region_at(lines: list[str], start: int) -> Region | None:
    base = middle = None
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if line.startswith(START):
            return None
        if line.startswith(BASE) and middle is None and base is None:
            base = index
        elif line.rstrip("\r\n") == MIDDLE and middle is None:
            middle = index
        elif line.startswith(END) and middle is not None:
            return Region(
                start=start,
                middle=middle,
                end=index,
                yours=lines[start + 1 : base if base is not None else middle],
                generated=lines[middle + 1 : index],
            )
    return None


def region_range(lines: list[str], region: Region, units: Units) -> types.Range:
    """The region's lines, its markers included, to the end of the end marker's line."""
    last = lines[region.end].rstrip("\r\n") if region.end < len(lines) else ""
    return types.Range(
        start=types.Position(line=region.start, character=0),
        end=types.Position(line=region.end, character=units(last)),
    )


def diagnostics_for(text: str, root: Path, units: Units) -> list[types.Diagnostic]:
    lines = text.splitlines(keepends=True)
    return [
        types.Diagnostic(
            range=region_range(lines, region, units),
            message="Merge conflict: your edits and the new generation changed the same lines "
            "(Keep mine, Take generated or Keep both)",
            severity=types.DiagnosticSeverity.Error,
            source=OUR_SOURCE,
            code=CONFLICT_CODE,
            data={"workspace": str(root)},
        )
        for region in regions(text)
    ]


def text_of(ls: ServiceCreatorServer, uri: str) -> str | None:
    """The open document's text, else the file's on disk."""
    doc = ls.workspace.text_documents.get(uri)
    if doc is not None:
        return doc.source
    path = to_fs_path(uri)
    return read_as_editor(Path(path)) if path else None


def track(ls: ServiceCreatorServer, root: Path, paths: list[str]) -> None:
    """Show the regions of the files an update marked, and follow them as they are edited."""
    for path in paths:
        uri = from_fs_path(str(root / path))
        if uri:
            ls.diagnostics.conflicts[uri] = root.resolve()
            refresh(ls, uri)


def opened(ls: ServiceCreatorServer, uri: str, text: str) -> None:
    """Track a document opened with our conflict markers, in a workspace folder."""
    if uri not in ls.diagnostics.conflicts and f"{START} {CONFLICT_YOURS}\n" in text:
        path = to_fs_path(uri)
        resolved = Path(path).resolve() if path else None
        roots = [r for r in ls.workspace_roots() if resolved and resolved.is_relative_to(r)]
        if roots:
            ls.diagnostics.conflicts[uri] = max(roots, key=lambda r: len(r.parts))
    refresh(ls, uri)


def refresh(ls: ServiceCreatorServer, uri: str) -> None:
    """Recompute a tracked file's conflict diagnostics from its text now."""
    root = ls.diagnostics.conflicts.get(uri)
    if root is None:
        return
    text = text_of(ls, uri) or ""
    units = ls.workspace.position_codec.client_num_units
    found = diagnostics_for(text, root, units)
    ls.diagnostics.set_conflicts(uri, found)
    if not found:
        del ls.diagnostics.conflicts[uri]


def actions_for(
    ls: ServiceCreatorServer, uri: str, diagnostics: list[types.Diagnostic]
) -> list[types.CodeAction]:
    """Keep mine, Take generated, Keep both on each conflict diagnostic of the request."""
    marked = [d for d in diagnostics if d.source == OUR_SOURCE and d.code == CONFLICT_CODE]
    text = text_of(ls, uri) if marked else None
    if text is None:
        return []
    lines = text.splitlines(keepends=True)
    by_start = {region.start: region for region in regions(text)}
    units = ls.workspace.position_codec.client_num_units
    doc = ls.workspace.text_documents.get(uri)
    version = doc.version if doc is not None else None
    actions: list[types.CodeAction] = []
    for diagnostic in marked:
        region = by_start.get(diagnostic.range.start.line)
        if region is None:
            continue
        for how, title in TITLES.items():
            edit = _replace_region(uri, version, lines, region, region.resolved(how), units)
            actions.append(
                types.CodeAction(
                    title=title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=how == "mine",
                    edit=edit,
                )
            )
    return actions


def _replace_region(
    uri: str, version: int | None, lines: list[str], region: Region, text: str, units: Units
) -> types.WorkspaceEdit:
    start = types.Position(line=region.start, character=0)
    if region.end + 1 < len(lines) or lines[region.end].endswith("\n"):
        end = types.Position(line=region.end + 1, character=0)
    else:  # the end marker is the last line, without a newline: keep it so
        text = text.removesuffix("\n")
        end = types.Position(line=region.end, character=units(lines[region.end]))
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=uri, version=version
                ),
                edits=[types.TextEdit(range=types.Range(start=start, end=end), new_text=text)],
            )
        ]
    )
