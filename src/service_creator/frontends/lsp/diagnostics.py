"""Findings as diagnostics: published per document, grouped by what produced them.

Each workspace keeps two groups (and the merge-conflict regions of the files an update marked,
conflicts.py): `tests` (the last sandbox run) and `generate` (ruff and
consistency findings of the last generation). Replacing a group republishes every document it
touched before or touches now, so a passing run clears the old failures; regenerating a file
drops its test failures. A diagnostic carries `data: {testId, workspace}` for the code actions,
and points to its counterparts (the failing assertion ↔ the failing project line and the
suspicious lines, "suspicious line (0.71)") through `relatedInformation`. Hovering a line with
a finding shows the findings' messages.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from service_creator.domain.reports import SUSPICIOUS_CODE
from service_creator.domain.testfiles import is_test_file

if TYPE_CHECKING:
    from service_creator.domain.reports import Finding, Location

log = logging.getLogger(__name__)

# a suspicious line's score by (workspace, test id, path, line)
Scores = dict[tuple[Path, str, str, int], float]
TESTS = "tests"
GENERATE = "generate"
SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}


class DiagnosticsStore:
    def __init__(self, ls: LanguageServer) -> None:
        self.ls = ls
        self._groups: dict[tuple[Path, str], list[Finding]] = {}
        self.conflicts: dict[str, Path] = {}  # uri -> workspace: files with conflict markers
        self._marked: dict[str, list[types.Diagnostic]] = {}  # uri -> its conflicts (conflicts.py)

    def set_conflicts(self, uri: str, diagnostics: list[types.Diagnostic]) -> None:
        """The document's merge-conflict diagnostics, published with its findings."""
        if diagnostics:
            self._marked[uri] = diagnostics
        else:
            self._marked.pop(uri, None)
        self.publish([uri])

    def replace(self, root: Path, group: str, findings: Iterable[Finding]) -> None:
        """Make `findings` the group's findings and republish every document affected."""
        root = root.resolve()
        before = self._uris(root, self._groups.get((root, group), []))
        kept = list(findings)
        self._groups[(root, group)] = kept
        self.publish(before | self._uris(root, kept))

    def forget_files(self, root: Path, group: str, paths: Iterable[str]) -> None:
        """Drop the group's findings on these workspace-relative files (they were regenerated)."""
        root = root.resolve()
        gone = set(paths)
        findings = self._groups.get((root, group), [])
        self.replace(root, group, [f for f in findings if f.location.path not in gone])

    def findings_at(self, uri: str, line: int) -> list[tuple[Path, Finding]]:
        """Every finding on the 0-based `line` of the document."""
        return [
            (root, f)
            for (root, _), findings in self._groups.items()
            for f in findings
            if f.location.line - 1 == line and _uri(root, f.location) == uri
        ]

    def publish(self, uris: Iterable[str]) -> None:
        scores = self._scores()
        for uri in sorted(uris):
            lines = _Lines(self.ls)
            diagnostics = [
                self.to_diagnostic(root, f, lines, scores)
                for (root, _), findings in self._groups.items()
                for f in findings
                if _uri(root, f.location) == uri
            ]
            diagnostics.extend(self._marked.get(uri, []))
            doc = self.ls.workspace.text_documents.get(uri)
            self.ls.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=uri, diagnostics=diagnostics, version=doc.version if doc else None
                )
            )

    def to_diagnostic(
        self, root: Path, finding: Finding, lines: _Lines, scores: Scores | None = None
    ) -> types.Diagnostic:
        data: dict[str, str] = {"workspace": str(root)}
        if finding.test_id:
            data["testId"] = finding.test_id
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=_uri(root, loc), range=lines.range(root, loc)),
                message=_points_at(root, finding, loc, scores or {}),
            )
            for loc in finding.related
        ]
        return types.Diagnostic(
            range=lines.range(root, finding.location),
            message=finding.message,
            severity=SEVERITY.get(finding.severity, types.DiagnosticSeverity.Error),
            source=finding.source,
            code=finding.code,
            related_information=related or None,
            data=data,
        )

    def _uris(self, root: Path, findings: Iterable[Finding]) -> set[str]:
        return {_uri(root, f.location) for f in findings}

    def _scores(self) -> Scores:
        """The suspicious lines' scores, by workspace, test and line."""
        return {
            (root, f.test_id, f.location.path, f.location.line): f.score
            for (root, _), findings in self._groups.items()
            for f in findings
            if f.code == SUSPICIOUS_CODE and f.test_id is not None and f.score is not None
        }


def _points_at(root: Path, finding: Finding, location: Location, scores: Scores) -> str:
    """What a related location is, as its relatedInformation says."""
    score = scores.get((root, finding.test_id or "", location.path, location.line))
    if score is not None:
        return f"suspicious line ({score:.2f})"
    if is_test_file(location.path):
        return "the failing assertion"
    return "where it failed in the project's source"


def _uri(root: Path, location: Location) -> str:
    return from_fs_path(str(root / location.path)) or ""


class _Lines:
    """Line texts for ranges: the open document's, else the file's on disk (read once)."""

    def __init__(self, ls: LanguageServer) -> None:
        self.ls = ls
        self._files: dict[str, list[str]] = {}

    def text(self, uri: str, line: int) -> str:
        if uri not in self._files:
            doc = self.ls.workspace.text_documents.get(uri)
            if doc is not None:
                self._files[uri] = doc.lines
            else:
                self._files[uri] = _read_lines(to_fs_path(uri))
        lines = self._files[uri]
        return lines[line].rstrip("\r\n") if 0 <= line < len(lines) else ""

    def range(self, root: Path, location: Location) -> types.Range:
        line = location.line - 1
        text = self.text(_uri(root, location), line)
        units = self.ls.workspace.position_codec.client_num_units
        if location.column > 1:
            start = min(location.column - 1, len(text))
        else:
            start = len(text) - len(text.lstrip())
        return types.Range(
            start=types.Position(line=line, character=units(text[:start])),
            end=types.Position(line=line, character=max(units(text), units(text[:start]))),
        )


def _read_lines(path: str | None) -> list[str]:
    if path is None:
        return []
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            return handle.read().splitlines(keepends=True)
    except OSError:
        return []


def hover_for(store: DiagnosticsStore, uri: str, line: int) -> types.Hover | None:
    """The messages of the findings on the 0-based `line`, if any."""
    found = store.findings_at(uri, line)
    if not found:
        return None
    text = "\n\n".join(f"**{f.source}** {f.code or ''}: {f.message}" for _, f in found)
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))
