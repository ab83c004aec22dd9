"""The mutation benchmark's pure parts (bench/localize.py): single-line mutants found with `ast`,
their order fixed by the seed, the rank of the mutated line, and a mutant's spectrum merged with
the probe run's. No Docker."""

from __future__ import annotations

import ast

import localize as bench

from service_creator.sandbox.localize import Line, Spectrum

SOURCE = '''\
"""A module: 1 + 2 in a docstring is not code."""

LIMIT = 3


def amount(quantity, price):
    """The amount, 5 * 5 not mutated here."""
    if quantity < 0:
        raise ValueError(str(quantity))
    total = quantity * price
    return round(total, 2)


def flag(value):
    while value > LIMIT:
        value = value - 1
    return value == LIMIT
'''


def changed_lines(before: str, after: str) -> list[int]:
    pairs = zip(before.splitlines(), after.splitlines(), strict=True)
    return [number for number, (a, b) in enumerate(pairs, 1) if a != b]


def test_every_kind_of_mutant_rewrites_exactly_one_line_and_still_compiles() -> None:
    mutants = bench.mutants_of("calc.py", SOURCE)

    assert {m.kind for m in mutants} == set(bench.KINDS)
    for mutant in mutants:
        mutated = bench.apply(SOURCE, mutant)
        assert changed_lines(SOURCE, mutated) == [mutant.line]
        ast.parse(mutated)
    assert not [m for m in mutants if m.line in (1, 7)]  # docstrings are left alone


def test_the_mutants_of_each_kind() -> None:
    found = {(m.line, m.kind, m.after.strip()) for m in bench.mutants_of("calc.py", SOURCE)}

    assert {
        (3, "constant", "LIMIT = 4"),
        (8, "operator", "if quantity <= 0:"),
        (8, "condition", "if not (quantity < 0):"),
        (8, "constant", "if quantity < 1:"),
        (9, "argument", "raise ValueError()"),
        (10, "operator", "total = quantity / price"),
        (11, "return", "return None"),
        (11, "argument", "return round(total)"),
        (15, "condition", "while not (value > LIMIT):"),
        (16, "operator", "value = value + 1"),
        (17, "operator", "return value != LIMIT"),
    } <= found


def test_the_candidates_are_the_covered_lines_in_the_seeds_order_kinds_in_turn() -> None:
    sources = {"calc.py": SOURCE}
    ran: set[Line] = {("calc.py", n) for n in (8, 10, 11, 15, 16, 17)}

    first = bench.candidates(sources, ran, 18, "p")

    assert first == bench.candidates(sources, ran, 18, "p")  # deterministic
    assert {m.line for m in first} <= {8, 10, 11, 15, 16, 17}
    assert first != bench.candidates(sources, ran, 19, "p")
    assert first != bench.candidates(sources, ran, 18, "q")  # each project its own order
    assert [m.kind for m in first[:4]] == ["operator", "constant", "return", "condition"]


def test_the_rank_is_the_best_over_the_failing_tests_and_a_miss_counts_past_the_longest() -> None:
    rankings = [[("a.py", 1), ("a.py", 2), ("a.py", 3)], [("a.py", 3), ("b.py", 9)]]

    assert bench.rank_in(rankings, ("a.py", 3)) == 1
    assert bench.rank_in(rankings, ("a.py", 2)) == 2
    assert bench.rank_in(rankings, ("c.py", 1)) is None
    assert bench.miss_rank(rankings) == 4

    score = bench.Score()
    for rank, miss in ((1, 4), (3, 4), (None, 4), (6, 9)):
        score.add(rank, miss)
    assert (score.top(1), score.top(3), score.top(5)) == (0.25, 0.5, 0.5)
    assert score.mean() == (1 + 3 + 4 + 6) / 4
    assert score.missed() == 1


def mutant_record(coverage: dict[str, list[Line]], failed: list[str]) -> bench.Record:
    mutant = bench.Mutant("calc.py", 10, "operator", "x", "y")
    return bench.Record(
        project="p",
        mutant=mutant,
        failed=failed,
        passed=[t for t in coverage if t not in failed],
        coverage=coverage,
        frames={},
        computes=[],
        seconds=1.0,
    )


def test_a_record_ranks_the_line_only_its_failing_test_and_few_passing_ones_run_first() -> None:
    record = mutant_record(
        {
            "t.py::test_bill": [("calc.py", 8), ("calc.py", 10), ("calc.py", 11)],
            "t.py::test_zero": [("calc.py", 8), ("calc.py", 11)],
            "t.py::test_flag": [("calc.py", 8), ("calc.py", 15)],
        },
        failed=["t.py::test_bill"],
    )

    for formula in ("ochiai", "dstar"):
        ranked = bench.rankings(record, formula, tie_break=False)
        assert ranked == [[("calc.py", 10), ("calc.py", 11), ("calc.py", 8)]]


def test_a_mutants_spectrum_is_its_runs_tests_and_the_probes_others() -> None:
    probe = Spectrum(
        coverage={
            "t.py::test_a": frozenset({("calc.py", 8)}),
            "t.py::test_b": frozenset({("calc.py", 8), ("calc.py", 10)}),
            bench.PROBE_ID: frozenset(),
        },
        failed=frozenset({bench.PROBE_ID}),
        passed=frozenset({"t.py::test_a", "t.py::test_b"}),
        computes=frozenset({("calc.py", 10)}),
    )
    run = Spectrum(
        coverage={"t.py::test_b": frozenset({("calc.py", 8), ("calc.py", 10), ("calc.py", 11)})},
        failed=frozenset({"t.py::test_b"}),
        passed=frozenset(),
        frames={"t.py::test_b": [("calc.py", 11)]},
    )

    merged = bench.merged(probe, run)

    assert merged.coverage == {
        "t.py::test_a": frozenset({("calc.py", 8)}),
        "t.py::test_b": frozenset({("calc.py", 8), ("calc.py", 10), ("calc.py", 11)}),
    }
    assert (merged.failed, merged.passed) == ({"t.py::test_b"}, {"t.py::test_a"})
    assert merged.frames == {"t.py::test_b": [("calc.py", 11)]}
    assert merged.computes == {("calc.py", 10)}
    assert bench.running(probe, ("calc.py", 10)) == ["t.py::test_b"]


def test_the_value_lines_are_the_runners_operators_and_returns() -> None:
    operators, returns = bench.value_lines(SOURCE)

    assert operators == {8, 10, 15, 16}  # a return with an operator counts as a return
    assert returns == {11, 17}
    assert not ({3, 9} & (operators | returns))
