"""Cold indexing of many files on disk, over several processes (bench code: the product indexes
the files it generates, one `ContextIndex.update` at a time).

    index = from_paths(paths, root, processes=2)

This process and `processes - 1` forked workers take chunks of files from one shared counter,
so whoever is free takes the next chunk and no process idles while another has a queue. Each
file is read, hashed, parsed and its rows extracted where it is taken. A worker sends each
chunk's results down its pipe as a `marshal` blob (rows are tuples of str and int: marshal is
the cheapest round trip for them); this process reads what has come between its own chunks,
so little is left to read at the end, and its own share is never serialised. The pipe is
widened to hold many chunks, so a worker seldom waits for a read.

No pool, no manager thread: py-tree-sitter holds the GIL while it parses, so a helper thread
in this process would wait out every parse before it could feed a worker.
"""

from __future__ import annotations

import marshal
import multiprocessing
import os
from collections.abc import Iterator
from contextlib import suppress
from typing import TYPE_CHECKING

import skim
from skim import parse_rows

from service_creator.codeintel import parsing
from service_creator.codeintel.extract import Row
from service_creator.codeintel.index import _PARSED, ContextIndex, _Entry, _gc_paused, content_hash

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess
    from multiprocessing.sharedctypes import Synchronized

PIPE_BYTES = 1 << 20  # the most an unprivileged process may ask for, by default

# path, language, digest, rows, errors, and whether it was parsed (not a content seen before)
Indexed = tuple[str, str, str, list[Row], list[int], bool]
Seen = dict[tuple[str, str], tuple[list[Row], list[int]]]  # (language, digest) -> rows, errors


def from_paths(
    paths: list[str],
    root: str = "",
    processes: int = 1,
    chunk: int = 16,
    skim: bool = True,
) -> ContextIndex:
    """Index files on disk (paths relative to `root`), cold, over `processes` processes; a file
    that cannot be read is left out, a content a process has seen before is not parsed again (a
    hash hit). `skim` leaves Python function bodies out of the parse (bench/skim.py): the same
    rows, in about half the time, but a syntax error inside a function body is not seen;
    `skim=False` parses everything. The tables are built from their rows on first use. No tree
    is kept: a later `update` of such a file parses it in full once, then incrementally.

    The entries are made here, from the index's own internals: the product has no use for an
    index of files on disk."""
    index = ContextIndex()
    with _gc_paused():
        for path, language, digest, rows, errors, parsed in index_paths(
            root, paths, processes, chunk, skim
        ):
            index._entries[path] = _Entry(path, digest, language, rows, errors)
            index.full_parses += parsed and language in _PARSED
            index.hash_hits += not parsed
    return index


class Reader:
    """Reads, hashes, parses and extracts files under `root` in one process, each content once:
    vendored copies and empty `__init__.py`s are parsed the first time only. `skim` leaves
    Python function bodies out of the parse (bench/skim.py)."""

    def __init__(self, root: str, skim: bool) -> None:
        self.root = root
        self.skim = skim
        self.seen: Seen = {}

    def index_file(self, path: str) -> Indexed | None:
        """None when the file cannot be read (gone, a directory, no permission): an index of a
        live tree must not fail on a file deleted meanwhile."""
        try:
            with open(os.path.join(self.root, path), "rb") as handle:
                source = handle.read()
        except OSError:
            return None
        language = parsing.language_for(path)
        digest = content_hash(source)
        known = self.seen.get((language, digest))
        if known is not None:
            return path, language, digest, known[0], known[1], False
        rows, errors = parse_rows(language, source, skim=self.skim)
        self.seen[(language, digest)] = rows, errors
        return path, language, digest, rows, errors, True

    def index_chunk(self, paths: list[str]) -> list[Indexed]:
        found = (self.index_file(path) for path in paths)
        return [indexed for indexed in found if indexed is not None]


def index_paths(
    root: str, paths: list[str], processes: int, chunk: int, skim: bool = True
) -> Iterator[Indexed]:
    """The indexed files among `paths` (relative to `root`), in no particular order."""
    chunks = _chunks(paths, chunk, processes)
    reader = Reader(root, skim)
    forks = "fork" in multiprocessing.get_all_start_methods()  # not on Windows
    if processes <= 1 or len(chunks) <= 1 or not forks:
        for part in chunks:
            yield from reader.index_chunk(part)
        return
    context = multiprocessing.get_context("fork")
    taken = context.Value("i", 0)
    workers: list[tuple[BaseProcess, Connection]] = []
    for _ in range(min(processes, len(chunks)) - 1):
        receive, send = context.Pipe(duplex=False)
        _widen(send)
        worker = context.Process(target=_work, args=(reader, chunks, taken, send), daemon=True)
        worker.start()
        send.close()
        workers.append((worker, receive))
    done: set[str] = set()
    finished = False
    try:
        for part in _take(chunks, taken):
            for indexed in reader.index_chunk(part):
                done.add(indexed[0])
                yield indexed
            for _, receive in workers:
                for indexed in _received(receive, wait=False):
                    done.add(indexed[0])
                    yield indexed
        for _, receive in workers:
            for indexed in _received(receive, wait=True):
                done.add(indexed[0])
                yield indexed
        finished = True
    finally:  # also when the caller stops early or fails: no worker left blocked on its pipe
        for worker, receive in workers:
            receive.close()
            if not finished:
                worker.terminate()
            worker.join()
    # a worker that died took its chunks with it: index what is missing here
    missing = [path for path in paths if path not in done]
    if missing and any(worker.exitcode for worker, _ in workers):
        yield from reader.index_chunk(missing)


def _chunks(paths: list[str], size: int, processes: int) -> list[list[str]]:
    """`size` files a chunk, fewer towards the end (down to one), so that the processes finish
    together: the last chunks taken are the shortest."""
    chunks: list[list[str]] = []
    start = 0
    while start < len(paths):
        left = len(paths) - start
        step = max(1, min(size, left // (8 * max(processes, 1))))
        chunks.append(paths[start : start + step])
        start += step
    return chunks


def _take(chunks: list[list[str]], taken: Synchronized[int]) -> Iterator[list[str]]:
    """The chunks this process takes, one at a time, until none is left."""
    while True:
        with taken.get_lock():
            index = taken.value
            taken.value = index + 1
        if index >= len(chunks):
            return
        yield chunks[index]


def _work(
    reader: Reader, chunks: list[list[str]], taken: Synchronized[int], send: Connection
) -> None:
    """A worker: index chunks while there are some, sending each one's results."""
    parsing.parser.cache_clear()  # a parser forked mid-parse (another thread) is not usable
    skim.forget_parser()
    for part in _take(chunks, taken):
        send.send_bytes(marshal.dumps(reader.index_chunk(part)))
    send.close()
    # done: exit now, without freeing the rows one by one (this process is waited for)
    os._exit(0)


def _received(receive: Connection, wait: bool) -> Iterator[Indexed]:
    """What a worker has sent: so far (`wait=False`), or until it is done or dead."""
    while not receive.closed and (wait or receive.poll()):
        try:
            data = receive.recv_bytes()
        except EOFError:
            return
        yield from marshal.loads(data)


def _widen(pipe: Connection) -> None:
    """Room in the pipe for about 20 chunks' rows (Linux; elsewhere the default is kept)."""
    try:
        import fcntl

        size = fcntl.F_SETPIPE_SZ
    except (ImportError, AttributeError):
        return
    with suppress(OSError):
        fcntl.fcntl(pipe.fileno(), size, PIPE_BYTES)
