"""What an update keeps under `.service-creator/`: the base of each file, the history of each
update, undo; and that no path read from there, or planted there, leads out of the workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service_creator.domain.errors import WorkspaceError
from service_creator.domain.project import GeneratedFile
from service_creator.generation.history import seal, snapshot, stamps, undo_last
from service_creator.generation.merge import merge_three
from service_creator.generation.workspace import Workspace, base_key


def test_a_generate_keeps_the_base_of_each_file_and_a_new_beside_yours_keeps_it(tmp_path: Path):
    site = Workspace(tmp_path)
    site.write_generated([GeneratedFile(path="pkg/a.py", content="A = 1\n")])
    assert site.read_base("pkg/a.py") == "A = 1\n"
    (tmp_path / "pkg/a.py").write_text("A = 2  # mine\n")
    result = site.write_generated([GeneratedFile(path="pkg/a.py", content="A = 3\n")])
    assert result.conflicts == ["pkg/a.py"]
    assert site.read_base("pkg/a.py") == "A = 1\n"  # the user's file still grew from it
    assert (tmp_path / "pkg/a.py.new").read_text() == "A = 3\n"


def test_undo_puts_back_bytes_deletes_what_the_update_created_and_drops_the_snapshot(
    tmp_path: Path,
):
    site = Workspace(tmp_path)
    (tmp_path / "kept.py").write_bytes(b"x = 1\r\n\xff\xfe odd bytes\n")
    site.save_bases([("kept.py", "x = 1\n")])
    first = snapshot(
        site, "first", ["kept.py", "made.py"], [base_key("kept.py"), base_key("made.py")]
    )
    (tmp_path / "kept.py").write_text("x = 2\n")
    (tmp_path / "made.py").write_text("made\n")
    site.save_bases([("kept.py", "x = 2\n"), ("made.py", "made\n")])
    assert stamps(site) == [first]

    undone = undo_last(site)

    assert (tmp_path / "kept.py").read_bytes() == b"x = 1\r\n\xff\xfe odd bytes\n"
    assert not (tmp_path / "made.py").exists()
    assert site.read_base("kept.py") == "x = 1\n" and site.read_base("made.py") is None
    assert (undone.restored, undone.deleted) == (["kept.py"], ["made.py"])
    assert stamps(site) == []
    with pytest.raises(WorkspaceError, match="no update to undo"):
        undo_last(site)


@pytest.mark.parametrize(
    "crafted", ["../outside.txt", "/etc/passwd", ".git/config", ".service-creator/manifest.json"]
)
def test_a_crafted_history_index_cannot_reach_outside_the_workspace(tmp_path: Path, crafted: str):
    root = tmp_path / "ws"
    root.mkdir()
    (tmp_path / "outside.txt").write_text("outside\n")
    site = Workspace(root)
    stamp = snapshot(site, "update", ["a.py"], [])
    index = root / ".service-creator/history" / stamp / "index.json"
    data = json.loads(index.read_text())
    data["files"] = {crafted: False}
    index.write_text(json.dumps(data))
    with pytest.raises(WorkspaceError, match="refused path"):
        undo_last(site)
    assert (tmp_path / "outside.txt").read_text() == "outside\n"


def test_a_symlink_planted_in_the_state_folder_is_refused_not_followed(tmp_path: Path):
    root = tmp_path / "ws"
    (root / ".service-creator").mkdir(parents=True)
    (root / "src").mkdir()
    (root / ".service-creator/base").symlink_to(root / "src")  # bases would land in src/
    site = Workspace(root)
    with pytest.raises(WorkspaceError, match="symlink"):
        site.save_bases([("app.py", "print('generated')\n")])
    with pytest.raises(WorkspaceError, match="symlink"):
        site.write_generated([GeneratedFile(path="app.py", content="A = 1\n")])
    assert not (root / "src/app.py").exists()


def test_the_merge_keeps_both_sides_and_marks_a_conflict_with_standard_markers():
    base = "a\nb\nc\nd\ne\n"
    clean = merge_three(base, "a\nB (yours)\nc\nd\ne\n", "a\nb\nc\nd\nE (generated)\n")
    assert clean.clean and clean.text == "a\nB (yours)\nc\nd\nE (generated)\n"
    clash = merge_three(base, "a\nX\nc\nd\ne\n", "a\nY\nc\nd\ne\n")
    assert clash.conflicts == 1
    assert clash.text == "a\n<<<<<<< yours\nX\n=======\nY\n>>>>>>> generated\nc\nd\ne\n"


def test_undo_refuses_to_lose_a_change_made_after_the_update(tmp_path: Path):
    site = Workspace(tmp_path)
    (tmp_path / "a.py").write_text("before\n")
    stamp = snapshot(site, "update", ["a.py", "b.py"], [])
    (tmp_path / "a.py").write_text("updated\n")
    (tmp_path / "b.py").write_text("created\n")
    seal(site, stamp, {"a.py": "updated\n", "b.py": "created\n"})
    (tmp_path / "b.py").write_text("created, then yours\n")

    with pytest.raises(WorkspaceError, match=r"you changed b\.py since the update"):
        undo_last(site)
    assert (tmp_path / "a.py").read_text() == "updated\n"  # nothing undone
    assert (tmp_path / "b.py").read_text() == "created, then yours\n"

    (tmp_path / "b.py").write_text("created\n")
    assert undo_last(site).deleted == ["b.py"]
    assert (tmp_path / "a.py").read_text() == "before\n"
