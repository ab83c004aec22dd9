"""Which generated file(s) a failing test implicates.

For a model's fix: the file of the test's most suspicious line, when the run localized the
failure (sandbox/localize.py); when lines of several files tie at the top score, the one the
user changed; when the one file the user changed has no ranked line, that file. Otherwise the
failing frame in the project's own source, when the traceback has one. Otherwise (the assert
failed in the test itself) the candidates are the test's file and every file it is built on,
transitively; among them the files the user changed since we wrote them are the likely
culprits.
"""

from __future__ import annotations

from collections.abc import Sequence

from service_creator.domain.errors import ServiceCreatorError
from service_creator.domain.project import FileSpec
from service_creator.domain.reports import SuspiciousLine, TestCase, TestReport
from service_creator.generation.workspace import Workspace, sha256_of

FOCUS_LINES = 5  # of a failing test's suspicious lines, those a model's fix is shown


def candidates(case: TestCase, specs: list[FileSpec]) -> list[FileSpec]:
    """The source file of the failing frame; else the test's file and what it is built on."""
    by_path = {s.path: s for s in specs}
    if case.source_location is not None and case.source_location.path in by_path:
        return [by_path[case.source_location.path]]
    test_path = case.location.path if case.location is not None else case.id.split("::")[0]
    if test_path not in by_path:
        where = case.source_location.path if case.source_location else test_path
        raise ServiceCreatorError(
            f"The failure of {case.id} is in {where}, which Service Creator did not generate",
            hint="fix that file by hand, or regenerate the project",
        )
    found: dict[str, FileSpec] = {}
    pending = [test_path]
    while pending:
        path = pending.pop(0)
        if path in found or path not in by_path:
            continue
        found[path] = by_path[path]
        pending.extend(by_path[path].depends_on)
    order = {s.path: i for i, s in enumerate(specs)}
    test, *rest = found.values()
    return [test, *sorted(rest, key=lambda s: order[s.path])]


def changed_by_user(site: Workspace, paths: list[str]) -> list[str]:
    """The paths whose content differs from what we last wrote (per the manifest)."""
    manifest = site.load_manifest()
    changed: list[str] = []
    for path in paths:
        entry = manifest.files.get(path)
        current = site.read(path)
        if entry is not None and current is not None and sha256_of(current) != entry.sha256:
            changed.append(path)
    return changed


def suspicious_lines(report: TestReport, test_id: str) -> list[SuspiciousLine]:
    """The lines the run's localization ranks for the test, most suspicious first."""
    if report.localization is None:
        return []
    found = next((t for t in report.localization.tests if t.test_id == test_id), None)
    return list(found.lines) if found is not None else []


def focus_lines(ranked: list[SuspiciousLine], path: str) -> list[SuspiciousLine]:
    """What a fix of `path` is shown: the `FOCUS_LINES` most suspicious lines, and the lines of
    `path` among the ranked ones up to `FOCUS_LINES` of them (a line of the file fixed may rank
    below lines of other files tied with it); none when no line of `path` ranks (the fix is
    then as without a localization)."""
    own = [s for s in ranked if s.location.path == path][:FOCUS_LINES]
    if not own:
        return []
    top = ranked[:FOCUS_LINES]
    return top + [s for s in own if s not in top]


def model_target(
    case: TestCase,
    specs: list[FileSpec],
    site: Workspace,
    ranked: Sequence[SuspiciousLine] = (),
) -> FileSpec:
    """The one file a model is asked to fix.

    With `ranked` lines: the file of the most suspicious one; of the files whose lines tie at
    the top score, the one the user changed. But when the user changed just one of the files
    the test is built on and none of its lines ranks (their edit runs in every test), that one.
    Without: the failing source file; else the one file the user changed among the candidates;
    else the test's file."""
    by_path = {s.path: s for s in specs}
    ranked_files = list(
        dict.fromkeys(s.location.path for s in ranked if s.location.path in by_path)
    )
    if ranked_files:
        top = ranked[0].score
        tied = [
            p for p in ranked_files if any(s.score == top for s in ranked if s.location.path == p)
        ]
        changed = changed_by_user(site, ranked_files)
        tied_changed = [p for p in tied if p in changed]
        if len(tied_changed) == 1:
            return by_path[tied_changed[0]]
        edited = _edited_candidates(case, specs, site)
        if len(edited) == 1 and edited[0] not in ranked_files:
            return by_path[edited[0]]
        return by_path[tied[0] if tied else ranked_files[0]]
    found = candidates(case, specs)
    if len(found) == 1:
        return found[0]
    changed = changed_by_user(site, [s.path for s in found])
    if len(changed) == 1:
        return next(s for s in found if s.path == changed[0])
    return found[0]


def _edited_candidates(case: TestCase, specs: list[FileSpec], site: Workspace) -> list[str]:
    """The files the test is built on (and its own) that the user changed; none when the test
    is not in a generated file."""
    try:
        found = candidates(case, specs)
    except ServiceCreatorError:
        return []
    return changed_by_user(site, [s.path for s in found])
