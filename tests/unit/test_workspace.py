"""The workspace writer on a real filesystem: confinement, atomic writes, the manifest rules."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from pathlib import Path

import pytest

from service_creator.domain.confine import confine, normalize_relative, state_dir
from service_creator.domain.errors import ServiceCreatorError, WorkspaceError
from service_creator.domain.ports import Writer
from service_creator.domain.project import GeneratedFile, WriteResult
from service_creator.generation.workspace import (
    FilesystemWriter,
    Workspace,
    atomic_write,
    owned_contents,
    sha256_of,
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    ws = tmp_path / "x" / "ws"
    ws.mkdir(parents=True)
    return ws


def files_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


# --- confine: refused paths -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("app/ma\x00in.py", "NUL byte"),
        ("/etc/passwd", "absolute path"),
        ("//server/share/x", "absolute"),
        ("C:\\Windows\\win.ini", "Windows drive or network"),
        ("c:/windows/win.ini", "Windows drive or network"),
        ("C:relative.txt", "Windows drive or network"),
        ("\\\\server\\share\\x", "Windows drive or network"),
        ("app\\main.py", "backslash"),
        ("../outside.txt", "'..' component"),
        ("app/../../outside.txt", "'..' component"),
        ("app/..", "'..' component"),
        ("../ws-evil/file.txt", "'..' component"),
        (".", "workspace root"),
        ("./", "workspace root"),
        (".git/config", "inside .git/"),
        (".git", "inside .git/"),
        (".GIT/hooks/pre-commit", "inside .git/"),
        ("vendor/lib/.git/config", "inside .git/"),
        (".service-creator/manifest.json", "state folder"),
    ],
)
def test_confine_refuses(root: Path, relative: str, reason: str) -> None:
    with pytest.raises(WorkspaceError) as caught:
        confine(root, relative)
    assert reason in str(caught.value)
    assert repr(relative) in str(caught.value)  # the message names the path


def test_refusal_is_a_service_creator_error_with_a_hint(root: Path) -> None:
    with pytest.raises(ServiceCreatorError) as caught:
        confine(root, "../x")
    assert isinstance(caught.value, WorkspaceError)
    assert caught.value.hint


def test_confine_refuses_a_symlinked_parent_leaving_the_root(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "app").symlink_to(outside, target_is_directory=True)
    with pytest.raises(WorkspaceError, match="symlink leads outside the workspace"):
        confine(root, "app/main.py")


def test_confine_refuses_a_symlinked_file_pointing_outside(root: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not touch")
    (root / "README.md").symlink_to(secret)
    with pytest.raises(WorkspaceError, match="symlink leads outside the workspace"):
        confine(root, "README.md")


def test_confine_refuses_a_dangling_symlink_pointing_outside(root: Path, tmp_path: Path) -> None:
    (root / "notes.txt").symlink_to(tmp_path / "not-yet-there.txt")
    with pytest.raises(WorkspaceError, match="symlink leads outside the workspace"):
        confine(root, "notes.txt")


def test_confine_compares_components_not_string_prefixes(root: Path) -> None:
    """`/tmp/x/ws-evil` starts with the string `/tmp/x/ws` but is not inside it."""
    evil = root.parent / "ws-evil"
    evil.mkdir()
    (root / "link").symlink_to(evil, target_is_directory=True)
    assert str(evil.resolve()).startswith(str(root.resolve()))
    with pytest.raises(WorkspaceError, match="symlink leads outside the workspace"):
        confine(root, "link/file.txt")


def test_confine_refuses_a_symlink_into_git(root: Path) -> None:
    (root / ".git").mkdir()
    (root / "gitdir").symlink_to(root / ".git", target_is_directory=True)
    with pytest.raises(WorkspaceError, match=r"through a symlink, it is inside \.git/"):
        confine(root, "gitdir/config")


def test_confine_refuses_a_symlink_loop(root: Path) -> None:
    (root / "loop").symlink_to(root / "loop")
    with pytest.raises(WorkspaceError, match="loop"):
        confine(root, "loop/file.txt")


# --- confine: allowed paths -----------------------------------------------------------------


@pytest.mark.parametrize(
    "relative",
    [
        "main.py",
        "src/app/models.py",
        ".github/workflows/ci.yml",
        ".gitignore",
        ".gitlab-ci.yml",
        "k8s/deployment.yaml",
        "app/./models.py",
        "a..b/c...txt",
        "service-creator/notes.md",
    ],
)
def test_confine_allows_nested_paths(root: Path, relative: str) -> None:
    path = confine(root, relative)
    assert path.is_absolute()
    assert path.is_relative_to(root.resolve())
    assert path == root.resolve() / normalize_relative(relative)


def test_confine_allows_symlinks_that_stay_inside(root: Path) -> None:
    (root / "real").mkdir()
    (root / "real" / "a.txt").write_text("a")
    (root / "alias").symlink_to(root / "real", target_is_directory=True)
    (root / "b.txt").symlink_to(root / "real" / "a.txt")
    assert confine(root, "alias/a.txt") == (root / "real" / "a.txt").resolve()
    assert confine(root, "b.txt") == (root / "real" / "a.txt").resolve()


def test_confine_allows_the_state_folder_for_internal_writes(root: Path) -> None:
    path = confine(root, ".service-creator/session.json", internal=True)
    assert path == root.resolve() / ".service-creator" / "session.json"


def test_normalize_relative() -> None:
    assert normalize_relative("app/./models.py") == "app/models.py"
    assert normalize_relative("app//models.py") == "app/models.py"
    assert normalize_relative("./docs/") == "docs"


def test_state_dir_is_created_on_demand(root: Path) -> None:
    path = state_dir(root)
    assert path == root.resolve() / ".service-creator"
    assert path.is_dir()
    assert state_dir(root) == path


def test_state_dir_refuses_a_symlink_out_of_the_root(root: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (root / ".service-creator").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(WorkspaceError, match="outside the workspace"):
        state_dir(root)


# --- atomic_write ---------------------------------------------------------------------------


def test_atomic_write_writes_text_and_bytes_and_creates_folders(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "file.txt"
    atomic_write(target, "héllo\n")
    assert target.read_bytes() == "héllo\n".encode()
    atomic_write(target, b"\x00\x01binary")
    assert target.read_bytes() == b"\x00\x01binary"
    assert files_in(tmp_path) == {"deep/er/file.txt"}


def test_atomic_write_keeps_the_existing_mode(tmp_path: Path) -> None:
    target = tmp_path / "run.sh"
    target.write_text("#!/bin/sh\n")
    target.chmod(0o750)
    atomic_write(target, "#!/bin/sh\necho hi\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o750
    assert target.read_text() == "#!/bin/sh\necho hi\n"


def test_atomic_write_gives_a_new_file_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "new.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    for i in range(5):
        atomic_write(tmp_path / "a.txt", f"version {i}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_atomic_write_failure_leaves_the_original_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "models.py"
    target.write_text("original\n")

    def failing_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(WorkspaceError, match="No space left on device") as caught:
        atomic_write(target, "new content\n")
    assert str(target) in str(caught.value)
    assert target.read_text() == "original\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models.py"]


def test_atomic_write_failure_while_writing_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "models.py"
    target.write_text("original\n")

    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(WorkspaceError, match="Input/output error"):
        atomic_write(target, "new content\n")
    assert target.read_text() == "original\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models.py"]


def test_atomic_write_into_a_file_used_as_folder_is_a_workspace_error(tmp_path: Path) -> None:
    (tmp_path / "app").write_text("a file")
    with pytest.raises(WorkspaceError, match="could not write"):
        atomic_write(tmp_path / "app" / "main.py", "x")


# --- the manifest rules ---------------------------------------------------------------------


def gen(path: str, content: str) -> GeneratedFile:
    return GeneratedFile(path=path, content=content)


def manifest_json(root: Path) -> dict:
    return json.loads((root / ".service-creator" / "manifest.json").read_text())


def test_first_write_creates_files_and_records_hashes(root: Path) -> None:
    ws = Workspace(root)
    result = ws.write_generated([gen("app/models.py", "A = 1\n"), gen("README.md", "# hi\n")])
    assert result == WriteResult(written=["app/models.py", "README.md"])
    assert (root / "app" / "models.py").read_text() == "A = 1\n"
    data = manifest_json(root)
    assert data["version"] == 1
    assert data["files"]["app/models.py"]["sha256"] == sha256_of("A = 1\n")
    assert data["files"]["README.md"]["sha256"] == sha256_of("# hi\n")
    assert data["files"]["README.md"]["written_at"]


def test_regenerating_identical_content_is_unchanged(root: Path) -> None:
    ws = Workspace(root)
    ws.write_generated([gen("app/models.py", "A = 1\n")])
    before = manifest_json(root)
    mtime = (root / "app" / "models.py").stat().st_mtime_ns
    result = ws.write_generated([gen("app/models.py", "A = 1\n")])
    assert result == WriteResult(unchanged=["app/models.py"])
    assert (root / "app" / "models.py").stat().st_mtime_ns == mtime
    assert manifest_json(root) == before


def test_regenerating_a_file_we_wrote_overwrites_it(root: Path) -> None:
    ws = Workspace(root)
    ws.write_generated([gen("app/models.py", "A = 1\n")])
    result = ws.write_generated([gen("app/models.py", "A = 2\n")])
    assert result == WriteResult(written=["app/models.py"])
    assert (root / "app" / "models.py").read_text() == "A = 2\n"
    assert manifest_json(root)["files"]["app/models.py"]["sha256"] == sha256_of("A = 2\n")
    assert not (root / "app" / "models.py.new").exists()


def test_a_file_the_user_edited_is_kept_and_ours_goes_beside_it(root: Path) -> None:
    ws = Workspace(root)
    ws.write_generated([gen("app/models.py", "A = 1\n"), gen("README.md", "# v1\n")])
    (root / "app" / "models.py").write_text("A = 1\nMINE = True\n")
    result = ws.write_generated([gen("app/models.py", "A = 2\n"), gen("README.md", "# v2\n")])
    assert result == WriteResult(written=["README.md"], conflicts=["app/models.py"])
    assert (root / "app" / "models.py").read_text() == "A = 1\nMINE = True\n"
    assert (root / "app" / "models.py.new").read_text() == "A = 2\n"
    # the manifest still holds the hash of what we wrote there, not the user's file; and the
    # .new's, so that a .new the user edits is known to be theirs
    files = manifest_json(root)["files"]
    assert files["app/models.py"]["sha256"] == sha256_of("A = 1\n")
    assert files["app/models.py.new"]["sha256"] == sha256_of("A = 2\n")


def test_a_file_that_was_never_ours_is_a_conflict(root: Path) -> None:
    (root / "Dockerfile").write_text("FROM scratch\n")
    result = Workspace(root).write_generated([gen("Dockerfile", "FROM python:3.12\n")])
    assert result == WriteResult(conflicts=["Dockerfile"])
    assert (root / "Dockerfile").read_text() == "FROM scratch\n"
    assert (root / "Dockerfile.new").read_text() == "FROM python:3.12\n"


def test_a_folder_where_a_file_should_go_is_a_conflict(root: Path) -> None:
    (root / "config.yaml").mkdir()
    result = Workspace(root).write_generated([gen("config.yaml", "a: 1\n")])
    assert result == WriteResult(conflicts=["config.yaml"])
    assert (root / "config.yaml.new").read_text() == "a: 1\n"


def test_an_existing_identical_file_becomes_ours(root: Path) -> None:
    (root / "LICENSE").write_text("MIT\n")
    ws = Workspace(root)
    assert ws.write_generated([gen("LICENSE", "MIT\n")]) == WriteResult(unchanged=["LICENSE"])
    assert ws.write_generated([gen("LICENSE", "MIT 2\n")]) == WriteResult(written=["LICENSE"])


def test_a_bad_path_in_a_batch_writes_nothing(root: Path) -> None:
    ws = Workspace(root)
    batch = [gen("app/models.py", "A = 1\n"), gen("../evil.py", "x"), gen("z.py", "z")]
    with pytest.raises(WorkspaceError, match="'\\.\\./evil\\.py'"):
        ws.write_generated(batch)
    assert files_in(root.parent) == set()
    assert not (root / ".service-creator").exists()


def test_a_bad_conflict_target_fails_the_batch_before_writing(root: Path, tmp_path: Path) -> None:
    (root / "main.py").write_text("user's\n")
    (root / "main.py.new").symlink_to(tmp_path / "outside.py")
    with pytest.raises(WorkspaceError, match=r"main\.py\.new"):
        Workspace(root).write_generated([gen("a.py", "a"), gen("main.py", "ours\n")])
    assert not (root / "a.py").exists()
    assert not (tmp_path / "outside.py").exists()


def test_the_same_file_twice_in_a_batch_is_refused(root: Path) -> None:
    with pytest.raises(WorkspaceError, match="same file"):
        Workspace(root).write_generated([gen("a/b.py", "1"), gen("a/./b.py", "2")])
    assert files_in(root) == set()


def test_a_file_used_as_a_folder_in_the_same_batch_is_refused(root: Path) -> None:
    with pytest.raises(WorkspaceError, match="is a file, not a folder"):
        Workspace(root).write_generated([gen("app", "1"), gen("app/main.py", "2")])
    assert files_in(root) == set()


def test_a_failed_write_midway_still_records_what_was_written(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import service_creator.generation.workspace as workspace_module

    real = workspace_module.atomic_write

    def fail_on_second(path: Path, data: bytes | str) -> None:
        if path.name == "second.py":
            raise WorkspaceError("disk full")
        real(path, data)

    monkeypatch.setattr(workspace_module, "atomic_write", fail_on_second)
    ws = Workspace(root)
    with pytest.raises(WorkspaceError, match="disk full"):
        ws.write_generated([gen("first.py", "1\n"), gen("second.py", "2\n")])
    assert set(manifest_json(root)["files"]) == {"first.py"}
    monkeypatch.setattr(workspace_module, "atomic_write", real)
    assert ws.write_generated([gen("first.py", "1b\n")]) == WriteResult(written=["first.py"])


def test_plan_changes_classifies_without_writing(root: Path) -> None:
    ws = Workspace(root)
    ws.write_generated([gen("same.py", "s"), gen("ours.py", "o1"), gen("theirs.py", "t1")])
    (root / "theirs.py").write_text("edited")
    before = files_in(root)
    plan = ws.plan_changes(
        [gen("same.py", "s"), gen("ours.py", "o2"), gen("theirs.py", "t2"), gen("new.py", "n")]
    )
    assert [(c.path, c.action) for c in plan] == [
        ("same.py", "unchanged"),
        ("ours.py", "overwrite"),
        ("theirs.py", "conflict"),
        ("new.py", "create"),
    ]
    resolved = root.resolve()
    assert [c.target for c in plan] == [
        resolved / "same.py",
        resolved / "ours.py",
        resolved / "theirs.py.new",
        resolved / "new.py",
    ]
    assert plan[1].content == "o2"
    assert plan[1].sha256 == sha256_of("o2")
    assert files_in(root) == before
    assert owned_contents(plan) == [
        ("same.py", "s"),
        ("ours.py", "o2"),
        ("theirs.py.new", "t2"),
        ("new.py", "n"),
    ]


def test_record_written_after_an_external_writer(root: Path) -> None:
    """The LSP writer applies the plan through the editor, then records it."""
    ws = Workspace(root)
    plan = ws.plan_changes([gen("app/main.py", "print(1)\n")])
    plan[0].target.parent.mkdir(parents=True)
    plan[0].target.write_text(plan[0].content)  # what the editor does
    ws.record_written(owned_contents(plan))
    assert ws.load_manifest().files["app/main.py"].sha256 == sha256_of("print(1)\n")
    assert ws.plan_changes([gen("app/main.py", "print(2)\n")])[0].action == "overwrite"


def test_record_written_refuses_bad_paths(root: Path) -> None:
    with pytest.raises(WorkspaceError, match="'\\.\\.' component"):
        Workspace(root).record_written([("../x.py", "x")])


def test_manifest_round_trip_and_atomic_save(root: Path) -> None:
    ws = Workspace(root)
    assert ws.load_manifest().files == {}
    ws.record_written([("a.py", "a")])
    manifest = ws.load_manifest()
    assert manifest.version == 1
    assert list(manifest.files) == ["a.py"]
    ws.save_manifest(manifest)
    assert ws.load_manifest() == manifest
    assert files_in(root / ".service-creator") == {"manifest.json", "base/a.py.kept"}  # no temp


@pytest.mark.parametrize(
    "text",
    ["{not json", '{"version": 2, "files": {}}', '{"version": 1, "files": {"a": {}}}'],
)
def test_an_invalid_manifest_is_a_workspace_error(root: Path, text: str) -> None:
    state_dir(root).joinpath("manifest.json").write_text(text)
    with pytest.raises(WorkspaceError, match=r"manifest .* is not valid") as caught:
        Workspace(root).write_generated([gen("a.py", "a")])
    assert caught.value.hint
    assert not (root / "a.py").exists()


def test_read(root: Path) -> None:
    ws = Workspace(root)
    assert ws.read("missing.txt") is None
    (root / "present.txt").write_text("hello")
    assert ws.read("present.txt") == "hello"
    with pytest.raises(WorkspaceError, match=r"inside \.git/"):
        ws.read(".git/config")
    ws.record_written([("a.py", "a")])
    assert ws.read(".service-creator/manifest.json", internal=True)


def test_a_workspace_root_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(WorkspaceError, match="not a folder"):
        Workspace(tmp_path / "file")


def test_a_missing_workspace_root_is_created_on_first_write(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "new-service")
    assert ws.write_generated([gen("README.md", "# new\n")]) == WriteResult(written=["README.md"])
    assert (tmp_path / "new-service" / "README.md").read_text() == "# new\n"


# --- FilesystemWriter -----------------------------------------------------------------------


async def test_filesystem_writer_applies_through_asyncio(root: Path) -> None:
    writer: Writer = FilesystemWriter(root)
    result = await writer.apply([gen("app/main.py", "x = 1\n")], label="generate demo")
    assert result == WriteResult(written=["app/main.py"])
    (root / "app" / "main.py").write_text("x = 1  # mine\n")
    result = await writer.apply([gen("app/main.py", "x = 2\n")], label="regenerate demo")
    assert result == WriteResult(conflicts=["app/main.py"])
    assert (root / "app" / "main.py.new").read_text() == "x = 2\n"


async def test_filesystem_writer_concurrent_applies_keep_every_record(root: Path) -> None:
    writer = FilesystemWriter(Workspace(root))
    batches = [[gen(f"pkg{i}/mod.py", f"N = {i}\n")] for i in range(8)]
    results = await asyncio.gather(*(writer.apply(b, label=f"b{i}") for i, b in enumerate(batches)))
    assert all(r.written for r in results)
    assert set(manifest_json(root)["files"]) == {f"pkg{i}/mod.py" for i in range(8)}


async def test_filesystem_writer_raises_workspace_errors(root: Path) -> None:
    with pytest.raises(WorkspaceError, match="absolute path"):
        await FilesystemWriter(root).apply([gen("/etc/passwd", "x")], label="evil")
