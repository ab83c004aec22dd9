"""Context extraction speed: symbol tables of a large real Python codebase, cold, and the update
of one changed file; with Python's `ast.parse` over the same files as the baseline, in one run.

    .venv/bin/python bench/context.py [--root DIR] [--runs 3] [--processes 1,2] [--edits 200]

The corpus is every *.py file under --root (default: this venv's site-packages), all counted:
none is skipped for its size. Files are read once before timing, so the OS page cache is warm
for every contender; each contender reads the files itself while timed.

Cold: `from_paths` (bench/bulk.py) on a fresh index: read, hash, skim-parse (bench/skim.py:
function bodies left out), walk the top-level statements and build the rows of every file,
over N processes (this one and N - 1 forked
workers, their start-up and the transfer of their rows included). The pydantic `SymbolTable`s
are built from the rows on first use; building all of them (`ContextIndex.tables()`) is timed
apart. CPU time counts the workers too (getrusage of the reaped children): files per
CPU-second, doubled, bounds what 2 idle cores can do. The bare tree-sitter parse (no query,
no rows: the floor of any tree-sitter indexer) runs in 1 process and, for each N > 1, in this
process and N - 1 forked children, each parsing every N-th file, so ours compares with the
floor at the same process count. The same index with `skim=False` (every byte parsed) runs too,
and, once, the two indexes are compared file by file: rows and syntax-error lines.

Update: a file of the index changes (a comment line inserted in its middle, or a function
appended at its end, alternately) and `ContextIndex.update` gives its new table: content hash,
the edit from the common prefix/suffix, `tree.edit`, incremental reparse, the walk over the
top-level statements the edit touched, the rows spliced into the old ones, the table.
"""

from __future__ import annotations

import argparse
import ast
import gc
import os
import resource
import statistics
import sys
import time
from pathlib import Path

from bulk import from_paths

from service_creator.codeintel import parsing
from service_creator.codeintel.index import ContextIndex
from service_creator.codeintel.symbols import symbols


def cpu_seconds() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def timed(function):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = function()
    return result, time.perf_counter() - wall, cpu_seconds() - cpu


def baseline_ast(root: Path, paths: list[str]) -> int:
    failed = 0
    for path in paths:
        try:
            ast.parse((root / path).read_bytes())
        except (SyntaxError, ValueError):
            failed += 1
    return failed


def tree_sitter_parse_only(root: Path, paths: list[str]) -> None:
    parser = parsing.parser("python")
    for path in paths:
        parser.parse((root / path).read_bytes())


def tree_sitter_parse_only_forked(root: Path, paths: list[str], processes: int) -> None:
    """The bare parse over this process and `processes - 1` forked children, the files dealt
    out in turn (every `processes`-th file each): no pool, no results to send."""
    children = []
    for share in range(1, processes):
        pid = os.fork()
        if pid == 0:
            try:
                tree_sitter_parse_only(root, paths[share::processes])
            finally:
                os._exit(0)
        children.append(pid)
    tree_sitter_parse_only(root, paths[0::processes])
    for pid in children:
        os.waitpid(pid, 0)


def cold(root: Path, paths: list[str], processes: int, skim: bool = True) -> ContextIndex:
    return from_paths(paths, str(root), processes=processes, skim=skim)


def compare_skim_with_full(root: Path, paths: list[str], processes: int) -> None:
    skimmed = cold(root, paths, processes)
    full = cold(root, paths, processes, skim=False)
    rows = errors = 0
    with_errors = 0
    for path in paths:
        a, b = skimmed.table(path), full.table(path)
        assert a is not None and b is not None
        rows += a.symbols != b.symbols
        errors += a.errors != b.errors
        with_errors += bool(b.errors)
    print(
        f"skim vs full parse: {len(paths)} files compared, rows differ in {rows}, "
        f"error lines differ in {errors} ({with_errors} files have syntax errors in full)"
    )


def edits(text: str, count: int) -> list[str]:
    """`count` successive versions of `text`, each one small edit away from the one before."""
    lines = text.splitlines(keepends=True)
    middle = len(lines) // 2
    versions = []
    for i in range(count):
        if i % 2 == 0:
            lines.insert(middle, f"# edit {i}\n")
        else:
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            lines.append(f"\n\ndef _bench_{i}(x: int, *, scale: float = 1.0) -> float:\n")
            lines.append("    return x * scale\n")
        versions.append("".join(lines))
    return versions


def update_times(path: str, text: str, count: int) -> dict[str, float]:
    index = ContextIndex()
    index.update(path, text)
    versions = edits(text, count)
    times = []
    for version in versions:
        start = time.perf_counter()
        index.update(path, version)
        times.append(time.perf_counter() - start)
    assert index.incremental_parses == count, "every update should be incremental"
    last = versions[-1]
    assert index.table(path).symbols == symbols(path, last).symbols, "incremental != cold"
    full = []
    for version in versions[:20]:
        start = time.perf_counter()
        symbols(path, version)
        full.append(time.perf_counter() - start)
    start = time.perf_counter()
    for version in versions[:20]:
        ast.parse(version)
    ast_time = (time.perf_counter() - start) / 20
    return {
        "median": statistics.median(times),
        "p95": sorted(times)[int(0.95 * (len(times) - 1))],
        "cold": statistics.median(full),
        "ast": ast_time,
    }


def main() -> None:
    site = next(p for p in sys.path if p.endswith("site-packages"))
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--root", default=site)
    options.add_argument("--runs", type=int, default=3)
    options.add_argument("--processes", default="1,2")
    options.add_argument("--edits", type=int, default=200)
    args = options.parse_args()
    root = Path(args.root)
    paths = sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if p.is_file())
    sizes = {path: (root / path).stat().st_size for path in paths}
    total = sum(sizes.values())
    for path in paths:  # warm the page cache for every contender alike
        (root / path).read_bytes()
    (_, load_time, _) = timed(lambda: (parsing.parser("python"), symbols("x.py", "x = 1")))
    print(f"corpus: {len(paths)} files, {total / 1e6:.1f} MB under {root}")
    print(f"cores: {os.cpu_count()}; load average before: {os.getloadavg()}")
    print(f"grammar load (once per process): {load_time * 1000:.0f} ms")

    def report(name: str, wall: float, cpu: float) -> None:
        print(
            f"{name:<44} {wall:6.2f} s wall {len(paths) / wall:7.0f} files/s"
            f"   {cpu:6.2f} s CPU {len(paths) / cpu:7.0f} files/CPU-s"
        )

    counts = [int(p) for p in args.processes.split(",")]
    results: dict[str, list[tuple[float, float]]] = {}
    for run in range(args.runs):
        print(f"-- run {run + 1}/{args.runs}")
        failed, wall, cpu = timed(lambda: baseline_ast(root, paths))
        results.setdefault("ast.parse (baseline, 1 process)", []).append((wall, cpu))
        report(f"ast.parse (baseline; {failed} failed)", wall, cpu)
        _, wall, cpu = timed(lambda: tree_sitter_parse_only(root, paths))
        results.setdefault("tree-sitter parse only (1 process)", []).append((wall, cpu))
        report("tree-sitter parse only", wall, cpu)
        for processes in (n for n in counts if n > 1):
            _, wall, cpu = timed(lambda n=processes: tree_sitter_parse_only_forked(root, paths, n))
            name = f"tree-sitter parse only ({processes} processes)"
            results.setdefault(name, []).append((wall, cpu))
            report(name, wall, cpu)
        for processes in counts:
            gc.collect()
            index, wall, cpu = timed(lambda n=processes: cold(root, paths, n))
            name = f"ours cold, {processes} process{'es' if processes > 1 else ''}"
            results.setdefault(name, []).append((wall, cpu))
            report(name, wall, cpu)
            count, wall_tables, _ = timed(lambda i=index: sum(len(t.symbols) for t in i.tables()))
            label = "  + build every SymbolTable (pydantic)"
            print(f"{label:<44} {wall_tables:6.2f} s ({count} symbols)")
            results.setdefault(name + " + tables", []).append((wall + wall_tables, cpu))
            del index
            gc.collect()
            _, wall, cpu = timed(lambda n=processes: cold(root, paths, n, skim=False))
            name = f"ours cold, no skim, {processes} process{'es' if processes > 1 else ''}"
            results.setdefault(name, []).append((wall, cpu))
            report(name, wall, cpu)
    print(f"load average after: {os.getloadavg()}")
    compare_skim_with_full(root, paths, max(counts))
    print("\nbest of runs (wall):")
    for name, figures in results.items():
        wall = min(w for w, _ in figures)
        cpu = min(c for _, c in figures)
        report(name, wall, cpu)

    print("\nupdate of one changed file (incremental):")
    ordered = sorted(paths, key=sizes.get)
    picks = {
        "median file": ordered[len(ordered) // 2],
        "p95 file": ordered[int(len(ordered) * 0.95)],
        "largest file": ordered[-1],
    }
    for label, path in picks.items():
        text = (root / path).read_text("utf-8", "replace")
        figures = update_times(path, text, args.edits)
        ms = {key: value * 1000 for key, value in figures.items()}
        print(
            f"{label:<13} {sizes[path] / 1000:7.1f} KB {text.count(chr(10)):6d} lines  "
            f"update median {ms['median']:6.2f} ms  p95 {ms['p95']:6.2f} ms   "
            f"cold symbols() {ms['cold']:6.2f} ms   ast.parse {ms['ast']:6.2f} ms   ({path})"
        )


if __name__ == "__main__":
    main()
