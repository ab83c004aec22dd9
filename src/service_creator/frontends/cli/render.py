"""What the terminal shows of an operation's output."""

from __future__ import annotations

import sys

from service_creator.domain.reports import SUSPICIOUS_CODE, Finding, ServiceCheck, TestReport
from service_creator.operations.io import GenerateOutput, SandboxInfoOutput


def render_report(report: TestReport, findings: list[Finding]) -> str:
    """A summary line, then each failure as `file:line: message`."""
    lines = [
        f"{report.outcome.upper()}: {report.passed} passed, {report.failed} failed, "
        f"{report.errors} errors, {report.skipped} skipped in {report.duration:.2f} s"
        + (f" (runtime {report.runtime})" if report.runtime else "")
    ]
    if report.message:
        lines.append(report.message)
    if report.service is not None:
        lines.append(render_service(report.service))
    suspicious = [f for f in findings if f.code == SUSPICIOUS_CODE]
    shown: set[str] = set()
    for finding in findings:
        if finding.code == SUSPICIOUS_CODE:
            continue
        where = f"{finding.location.path}:{finding.location.line}"
        first, *_ = finding.message.splitlines() or [""]
        lines.append(f"  {where}: {first}")
        test_id = finding.test_id
        if test_id is not None and test_id not in shown:
            shown.add(test_id)
            lines += [render_suspicious(f) for f in suspicious if f.test_id == test_id]
    return "\n".join(lines)


def render_suspicious(finding: Finding) -> str:
    """`    service_manager.py:63 suspicious (0.71): run by the 1 failing test and ...`"""
    where = f"{finding.location.path}:{finding.location.line}"
    score = f" suspicious ({finding.score:.2f})" if finding.score is not None else ""
    why = finding.message.split(f" for {finding.test_id}: ", 1)[-1]
    return f"    {where}{score}: {why}"


def render_service(service: ServiceCheck) -> str:
    """`service started in 0.8 s, /healthz 200, GET /instances 200`, or why it did not."""
    if service.outcome == "skipped":
        return f"service: {service.message or 'not checked'}"
    calls = [
        f"{check.method} {check.path} {check.status or check.error or 'no answer'}"
        + (f" ({check.auth})" if check.auth else "")
        for check in service.checks
    ]
    if service.started and service.start_seconds is not None:
        head = f"service started in {service.start_seconds:.1f} s"
    else:
        head = "service did not start"
    parts = [head, *calls]
    if service.outcome == "failed" and service.message:
        parts.append(f"FAILED: {service.message}")
    return ", ".join(parts)


def render_info(info: SandboxInfoOutput) -> str:
    image = f"{info.image} ({'present' if info.image_present else 'not built'})"
    lines = [
        f"engine:           {info.engine} (Docker {info.version})",
        f"runtimes:         {', '.join(info.runtimes)} (default {info.default_runtime})",
        f"runtime setting:  {info.configured_runtime} (SERVICE_CREATOR_SANDBOX_RUNTIME)",
        f"runtime used:     {info.runtime or 'none: see below'}",
        f"base image:       {info.base_image}",
        f"sandbox image:    {image if info.image else 'unknown: see below'}",
    ]
    lines += [f"problem: {problem}" for problem in info.problems]
    return "\n".join(lines)


def print_notes(notes: list[str]) -> None:
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


def print_generation(output: GenerateOutput) -> None:
    out = sys.stderr
    print_notes(output.notes)
    print(f"Generated {len(output.files)} files into {output.workspace}", file=out)
    print(f"  written: {len(output.written)}, unchanged: {len(output.unchanged)}", file=out)
    for path in output.conflicts:
        print(f"  kept your edited {path}; the new version is {path}.new", file=out)
    for finding in output.findings:
        loc = finding.location
        print(f"  {loc.path}:{loc.line}: [{finding.source}] {finding.message}", file=out)
    if output.stopped:
        print(f"  stopped early: {output.stopped}; the files above are kept", file=out)
    if output.cancelled:
        print("  cancelled; the files above are kept", file=out)
    if output.ledger:
        print(f"  tokens and cost: {output.ledger}", file=out)
    if output.by_model or output.fallbacks:
        print(f"  {authorship(output)}", file=out)
        for fallback in output.fallbacks:
            print(f"    offline: {fallback.path} ({fallback.reason})", file=out)
    print(generation_summary(output), file=out)
    for missing in output.missing:
        print(f"  missing: {missing}", file=out)


def authorship(output: GenerateOutput) -> str:
    """Who wrote the project: `model 11 files, offline 4` (a model engine's run)."""
    return f"model {len(output.by_model)} files, offline {len(output.fallbacks)}"


def generation_summary(output: GenerateOutput) -> str:
    """The last line: is the whole project there (exit 0), or what is not (exit 1)."""
    aside = (
        f"; {len(output.conflicts)} of yours kept, ours beside as .new" if output.conflicts else ""
    )
    if output.fallbacks:
        aside += f" ({authorship(output)})"
    if output.status == "complete":
        return f"Complete: all {len(output.files)} planned files are in the workspace{aside}"
    if output.stopped and not output.missing:
        return (
            f"STOPPED EARLY: {output.stopped}; all {len(output.files)} planned files are in "
            f"the workspace{aside}"
        )
    return (
        f"INCOMPLETE: {len(output.missing)} planned files missing"
        + (f" (stopped early: {output.stopped})" if output.stopped else "")
        + (" (cancelled)" if output.cancelled else "")
    )
