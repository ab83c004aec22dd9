"""Cold indexing of files on disk over several processes (bench/bulk.py)."""

from __future__ import annotations

import multiprocessing
import os

import bulk
from test_context import DOCKERFILE, JAVASCRIPT, PYTHON, ROUTES, rows

from service_creator.codeintel.index import ContextIndex
from service_creator.domain.project import GeneratedFile


def module(i: int) -> str:
    return (
        f"import os\nfrom models import Item{i}\n\nLIMIT = {i}\n\n\n"
        f"class Thing{i}(Base):\n    size: int = {i}\n\n    async def grow(self, by: int) -> int:\n"
        f"        return self.size + by\n\n\ndef make_{i}(\n    size: int,\n) -> Thing{i}:\n"
        f"    return Thing{i}(size=size)\n"
    )


def write_tree(root, count: int) -> dict[str, str]:
    sources = {f"pkg{i % 3}/mod{i}.py": module(i) for i in range(count)}
    for path, text in sources.items():
        (root / path).parent.mkdir(exist_ok=True)
        (root / path).write_text(text)
    return sources


def test_every_file_is_indexed_once_whoever_takes_it(tmp_path):
    sources = write_tree(tmp_path, 40)
    expected = ContextIndex.from_files(GeneratedFile(path=p, content=t) for p, t in sources.items())
    for processes in (1, 2, 3):
        found = list(bulk.index_paths(str(tmp_path), list(sources), processes, chunk=3))
        assert sorted(path for path, *_ in found) == sorted(sources)
        index = bulk.from_paths(list(sources), str(tmp_path), processes, chunk=3)
        assert len(index) == len(sources)
        for path in sources:
            assert rows(index.table(path)) == rows(expected.table(path))
            assert ("method", "grow") in {(s.kind, s.name) for s in index.table(path).symbols}


def test_a_file_that_cannot_be_read_is_left_out(tmp_path):
    sources = write_tree(tmp_path, 6)
    (tmp_path / "gone.py").write_text("X = 1\n")
    (tmp_path / "gone.py").unlink()
    (tmp_path / "a_directory.py").mkdir()
    paths = [*sources, "gone.py", "a_directory.py"]
    index = bulk.from_paths(paths, str(tmp_path), processes=2, chunk=2)
    assert sorted(index.paths()) == sorted(sources)


def test_the_files_of_a_worker_that_dies_are_indexed_here(tmp_path, monkeypatch):
    sources = write_tree(tmp_path, 20)

    def dies(*args: object) -> None:
        os._exit(3)

    monkeypatch.setattr(bulk, "_work", dies)
    index = bulk.from_paths(list(sources), str(tmp_path), processes=2, chunk=2)
    assert sorted(index.paths()) == sorted(sources)
    assert index.full_parses == len(sources)


def test_a_worker_that_takes_a_chunk_then_dies_loses_nothing(tmp_path, monkeypatch):
    sources = write_tree(tmp_path, 20)
    took = multiprocessing.get_context("fork").Event()
    here = os.getpid()
    index_chunk = bulk.Reader.index_chunk

    def takes_then_dies(reader, chunks, taken, send) -> None:  # type: ignore[no-untyped-def]
        for _ in bulk._take(chunks, taken):
            took.set()
            os._exit(4)

    def after_the_worker_took_one(reader, paths):  # type: ignore[no-untyped-def]
        if os.getpid() == here:
            assert took.wait(10), "the worker never took a chunk"
        return index_chunk(reader, paths)

    monkeypatch.setattr(bulk, "_work", takes_then_dies)
    monkeypatch.setattr(bulk.Reader, "index_chunk", after_the_worker_took_one)
    index = bulk.from_paths(list(sources), str(tmp_path), processes=2, chunk=2)
    assert took.is_set()
    assert sorted(index.paths()) == sorted(sources)


def test_a_content_seen_before_is_not_parsed_again(tmp_path):
    sources = write_tree(tmp_path, 4)
    for copy in ("vendor/a.py", "vendor/b.py"):
        (tmp_path / copy).parent.mkdir(exist_ok=True)
        (tmp_path / copy).write_text(sources["pkg0/mod0.py"])
    paths = [*sources, "vendor/a.py", "vendor/b.py"]
    index = bulk.from_paths(paths, str(tmp_path))
    assert (index.full_parses, index.hash_hits) == (4, 2)
    assert rows(index.table("vendor/b.py")) == rows(index.table("pkg0/mod0.py"))
    assert index.table("vendor/b.py").path == "vendor/b.py"


def test_a_caller_that_stops_early_leaves_no_worker_behind(tmp_path):
    sources = write_tree(tmp_path, 200)
    found = bulk.index_paths(str(tmp_path), list(sources), processes=2, chunk=1)
    next(found)
    workers = multiprocessing.active_children()
    assert workers, "a worker was started"
    found.close()
    assert all(not worker.is_alive() for worker in workers)
    assert not multiprocessing.active_children()


def test_a_skim_sees_the_rows_but_not_a_syntax_error_inside_a_function_body(tmp_path):
    (tmp_path / "broken.py").write_text("def f():\n    x = = 1\n\n\nclass A:\n    y: int = 1\n")
    skimmed = bulk.from_paths(["broken.py"], str(tmp_path))
    full = bulk.from_paths(["broken.py"], str(tmp_path), skim=False)
    assert rows(skimmed.table("broken.py")) == rows(full.table("broken.py"))
    assert (skimmed.table("broken.py").errors, full.table("broken.py").errors) == ([], [2])


def test_from_paths_matches_from_files_in_one_and_two_processes(tmp_path):
    sources = {"models.py": PYTHON, "api.py": ROUTES, "portal.js": JAVASCRIPT}
    sources["Dockerfile"] = DOCKERFILE
    for path, text in sources.items():
        (tmp_path / path).write_text(text)
    expected = ContextIndex.from_files(GeneratedFile(path=p, content=t) for p, t in sources.items())
    for processes in (1, 2):
        index = bulk.from_paths(list(sources), str(tmp_path), processes=processes, chunk=2)
        for path in sources:
            assert rows(index.table(path)) == rows(expected.table(path))
        # no tree was kept: the first update parses in full, the next one incrementally
        index.update("models.py", PYTHON + "\nY = 2\n")
        index.update("models.py", PYTHON + "\nY = 3\n")
        assert index.incremental_parses == 1
