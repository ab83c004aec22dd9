"""Text that comes out of the sandbox is the project's: cleaned before anyone sees it.

A test can print terminal escapes (`ESC]0;title BEL`, `ESC[2J`, OSC 8 hyperlinks), carriage
returns that overwrite a line, or bidirectional overrides that reorder it. Every string of a
report (messages, test ids, paths, output) loses its control characters — C0 but newline and
tab, DEL, C1 — and the bidi controls before it reaches a terminal, an editor or a file.
"""

from __future__ import annotations

import re
from typing import TypeAlias

from service_creator.domain.reports import TestReport

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# what a report's `model_dump` holds
Dumped: TypeAlias = str | int | float | bool | list["Dumped"] | dict[str, "Dumped"] | None


def clean_text(text: str) -> str:
    return CONTROL.sub("", text)


def clean_value(value: Dumped) -> Dumped:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_value(item) for item in value]
    if isinstance(value, dict):
        return {key: clean_value(item) for key, item in value.items()}
    return value


def clean_report(report: TestReport) -> TestReport:
    """The same report with every string cleaned."""
    return TestReport.model_validate(clean_value(report.model_dump()))
