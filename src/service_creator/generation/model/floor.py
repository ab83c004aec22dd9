"""The offline project is the floor of a model generation.

A planned file the model did not make valid (withheld after its repair rounds, or never
generated because the model went down or the budget ran out) becomes the offline engine's
version of it for the same requirements, validated as the offline engine validates it and
reported as a fallback with its reason. The result must hold together: a model-written file
that disagrees with the rest (the consistency check across files: an import of a name that is
not there, an untested route, an unknown setting) falls back too, until nothing disagrees. The
offline project agrees with itself, so this ends, at worst with every file the offline one.
"""

from __future__ import annotations

from graphlib import TopologicalSorter

from service_creator.codeintel.consistency import check_consistency
from service_creator.domain.project import FileSpec, GeneratedFile
from service_creator.domain.reports import Finding, Location
from service_creator.domain.testfiles import is_test_file
from service_creator.generation.pipeline import Generation
from service_creator.generation.validate import validate


class Floor:
    """The offline versions of the planned files (`seed`: the offline engine's raw renders)."""

    def __init__(self, specs: list[FileSpec], seed: list[GeneratedFile]) -> None:
        self.specs = {s.path: s for s in specs}
        self.offline = {f.path: f.content for f in seed if f.path in self.specs}

    def missing(self, generation: Generation, repairs: dict[str, int]) -> dict[str, str]:
        """Each planned file the floor can stand in for that is not in `generation.files`, with
        why: withheld (its check's first failure, after `repairs[path]` repairs) or not made."""
        made = {f.path for f in generation.files}
        reasons: dict[str, str] = {}
        for path in self.offline:
            if path in made:
                continue
            if (why := generation.not_written.get(path)) is not None:
                count = repairs.get(path, 0)
                after = f", after {count} repair{'s' * (count != 1)}" if count else ""
                reasons[path] = f"{why}{after}"
            elif generation.stopped is not None:
                reasons[path] = f"not generated: {_first_line(generation.stopped.message)}"
            else:
                reasons[path] = "not generated"
        return reasons

    def fall_back(self, generation: Generation, reasons: dict[str, str]) -> list[str]:
        """Put the offline version of each file of `reasons` in `generation`, in place of the
        model's (its findings go with it); the paths replaced, in plan order."""
        replaced = [p for p in self.specs if p in reasons and p in self.offline]
        if not replaced:
            return []
        files = {f.path: f for f in generation.files}
        findings = [f for f in generation.findings if f.location.path not in replaced]
        for path in replaced:
            file, own = validate(
                self.specs[path], GeneratedFile(path=path, content=self.offline[path])
            )
            files[path] = file
            generation.not_written.pop(path, None)
            generation.fallbacks[path] = reasons[path]
            findings += own
            findings.append(
                Finding(
                    location=Location(path=path, line=1),
                    message=f"{path} is the offline engine's version: {reasons[path]}",
                    severity="info",
                )
            )
        order = {path: i for i, path in enumerate(self.specs)}
        generation.files = sorted(files.values(), key=lambda f: order.get(f.path, len(order)))
        generation.findings = findings
        return replaced

    def dependents(self, paths: list[str]) -> list[FileSpec]:
        """The planned files built on any of `paths`, directly or not, each after its own
        dependencies among them."""
        reached = set(paths)
        changed = True
        while changed:
            changed = False
            for spec in self.specs.values():
                if spec.path not in reached and reached & set(spec.depends_on):
                    reached.add(spec.path)
                    changed = True
        wanted = {p: self.specs[p] for p in reached - set(paths)}
        graph = TopologicalSorter(
            {p: [d for d in s.depends_on if d in wanted] for p, s in wanted.items()}
        )
        return [wanted[p] for p in graph.static_order()]

    def disagreeing(self, generation: Generation) -> dict[str, str]:
        """The model-written files to fall back so that the project agrees with itself: for each
        error of the consistency check, the file it is in if the model wrote it, else the
        model-written files that file is built on (for an untested route: the test files)."""
        by_model = {f.path for f in generation.files if f.path in self.offline} - set(
            generation.fallbacks
        )
        reasons: dict[str, str] = {}
        for finding in check_consistency(generation.files):
            if finding.severity != "error":
                continue
            where = finding.location.path
            for path in self._blamed(where, finding, by_model):
                reasons.setdefault(
                    path,
                    f"disagrees with the rest: {where}:{finding.location.line}: {finding.message}",
                )
        return reasons

    def _blamed(self, where: str, finding: Finding, by_model: set[str]) -> list[str]:
        if where in by_model:
            return [where]
        if finding.code == "untested-route":
            return sorted(p for p in by_model if is_test_file(p))
        spec = self.specs.get(where)
        return sorted(set(spec.depends_on) & by_model) if spec is not None else []

    def agree(self, generation: Generation) -> None:
        """Fall back what disagrees until nothing does; then the consistency findings are the
        final project's."""
        while reasons := self.disagreeing(generation):
            if not self.fall_back(generation, reasons):
                break
        generation.findings = [
            f for f in generation.findings if f.source != "consistency"
        ] + check_consistency(generation.files)


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else "stopped"
