"""A fix's ledger says what the fix was shown (`focus`); ledgers written before the field
existed still load, with no focus."""

from __future__ import annotations

import json
from pathlib import Path

from service_creator.llm.ledger import FixFocus, Ledger, LedgerData

BEFORE_FOCUS = {  # a fix's ledger as written before the focus (fields of that version only)
    "id": "20261201-101010-abcdef",
    "kind": "fix",
    "started_at": "2026-12-01T10:10:10Z",
    "finished_at": "2026-12-01T10:10:20Z",
    "calls": [
        {
            "stage": "review",
            "model": "openai/fake-coder",
            "purpose": "service_manager.py",
            "prompt_tokens": 13489,
            "completion_tokens": 2100,
            "seconds": 1.5,
            "at": "2026-12-01T10:10:19Z",
        }
    ],
    "prompt_tokens": 13489,
    "completion_tokens": 2100,
}


def test_a_ledger_from_before_the_focus_still_loads(tmp_path: Path) -> None:
    path = tmp_path / ".service-creator" / "ledger" / f"{BEFORE_FOCUS['id']}.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(BEFORE_FOCUS))
    ledger = Ledger.resume(tmp_path, str(BEFORE_FOCUS["id"]), "fix")
    assert ledger.data.focus is None and ledger.data.prompt_tokens == 13489
    assert [c.purpose for c in ledger.data.calls] == ["service_manager.py"]


def test_the_focus_and_a_whole_file_call_after_it_are_saved(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, kind="fix")
    ledger.whole_file_after("ignored: no focus yet")
    assert ledger.data.focus is None
    ledger.focus(FixFocus(path="a.py", lines=["a.py:3"], functions=["f"]))
    ledger.whole_file_after("the reply defines none of f")
    saved = ledger.save()
    assert saved is not None
    focus = LedgerData.model_validate_json(saved.read_text()).focus
    assert focus == FixFocus(
        path="a.py",
        lines=["a.py:3"],
        functions=["f"],
        whole_file=False,
        whole_file_after="the reply defines none of f",
    )
