"""The operations: what a front door can ask for. The one lazy seam of every front door.

`from service_creator import operations` loads nothing heavy: `operations.run_tests` imports
the testing module (and Docker's client) when first looked up, so a server lists its tools
and an editor starts without loading the work. Inputs and outputs are in `operations.io`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from service_creator.operations.fix import fix_failure, sandbox_tests
    from service_creator.operations.generate import generate_service
    from service_creator.operations.interview import (
        answer_question,
        current_session,
        get_session,
        questions_together,
        start_interview,
    )
    from service_creator.operations.project import (
        generated_files,
        read_file,
        session_status,
        test_functions,
    )
    from service_creator.operations.scripted import ScriptedAsker
    from service_creator.operations.testing import (
        build_sandbox,
        last_tests,
        release_warm,
        run_tests,
        sandbox_info,
    )
    from service_creator.operations.update import change_requirement, update_diffs, update_service

WHERE = {
    "start_interview": "interview",
    "answer_question": "interview",
    "get_session": "interview",
    "current_session": "interview",
    "questions_together": "interview",
    "generate_service": "generate",
    "run_tests": "testing",
    "last_tests": "testing",
    "build_sandbox": "testing",
    "sandbox_info": "testing",
    "release_warm": "testing",
    "ScriptedAsker": "scripted",
    "fix_failure": "fix",
    "generated_files": "project",
    "read_file": "project",
    "session_status": "project",
    "test_functions": "project",
    "sandbox_tests": "fix",
    "update_service": "update",
    "change_requirement": "update",
    "update_diffs": "update",
}

__all__ = [
    "ScriptedAsker",
    "answer_question",
    "build_sandbox",
    "change_requirement",
    "current_session",
    "fix_failure",
    "generate_service",
    "generated_files",
    "get_session",
    "last_tests",
    "questions_together",
    "read_file",
    "release_warm",
    "run_tests",
    "sandbox_info",
    "sandbox_tests",
    "session_status",
    "start_interview",
    "test_functions",
    "update_diffs",
    "update_service",
]


def load_all() -> None:
    """Import every operation now (a server warms them off its event loop)."""
    for module in sorted(set(WHERE.values())):
        import_module(f"{__name__}.{module}")


def __getattr__(name: str) -> Any:  # PEP 562's lazy seam: the names' types are imported above
    if name not in WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{WHERE[name]}"), name)
