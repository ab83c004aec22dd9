"""codeintel/functions.py: the function or method that holds a line, and a file with some of
its functions replaced by a model's versions (however the reply indents or wraps them)."""

from __future__ import annotations

import ast

import pytest

from service_creator.codeintel.functions import (
    SpliceError,
    enclosing_function,
    function_units,
    replace_functions,
)


def parses(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


SOURCE = '''"""Billing."""

import functools

RATE = 2


def amount(quantity, price):
    return quantity + price


class Biller:
    currency = "EUR"

    @functools.cache
    def total(self, lines):
        """The sum of the lines:
        each an amount."""
        return sum(amount(q, p) for q, p in lines)

    def label(self):
        def inner():
            return self.currency

        return inner()
'''


def test_the_units_and_the_one_that_holds_a_line() -> None:
    names = [(u.name, u.start, u.end, u.indent) for u in function_units(SOURCE)]
    assert names == [
        ("amount", 8, 9, ""),
        ("Biller.total", 15, 19, "    "),  # the decorator included
        ("Biller.label", 21, 25, "    "),
    ]
    assert enclosing_function(SOURCE, 9) == function_units(SOURCE)[0]
    decorated, nested = enclosing_function(SOURCE, 15), enclosing_function(SOURCE, 23)
    assert decorated is not None and decorated.name == "Biller.total"
    assert nested is not None and nested.name == "Biller.label"  # the method, not `inner`
    assert enclosing_function(SOURCE, 5) is None  # a constant
    assert enclosing_function(SOURCE, 13) is None  # a class attribute


def test_a_top_level_function_is_replaced_in_place() -> None:
    fixed, replaced = replace_functions(
        SOURCE, ["amount"], "def amount(quantity, price):\n    return quantity * price\n"
    )
    assert replaced == ["amount"]
    assert fixed == SOURCE.replace("quantity + price", "quantity * price")


@pytest.mark.parametrize(
    "reply",
    [
        # as it stands in its class
        "    @functools.cache\n    def total(self, lines):\n        return 0\n",
        # dedented, without its class
        "@functools.cache\ndef total(self, lines):\n    return 0\n",
        # inside its class, with a member the focus does not name
        "class Biller:\n    @functools.cache\n    def total(self, lines):\n        return 0\n\n"
        "    def other(self):\n        return 1\n",
    ],
)
def test_a_method_is_replaced_however_the_reply_indents_it(reply: str) -> None:
    fixed, replaced = replace_functions(SOURCE, ["amount", "Biller.total"], reply)
    assert replaced == ["Biller.total"]
    new = next(u for u in function_units(fixed) if u.name == "Biller.total")
    assert (
        new.text(fixed) == "    @functools.cache\n    def total(self, lines):\n        return 0\n"
    )
    assert "def other" not in fixed and "quantity + price" in fixed  # the rest as it was
    assert parses(fixed)


def test_several_functions_are_replaced_and_line_numbers_hold() -> None:
    reply = (
        "def amount(quantity, price):\n"
        "    total = quantity * price\n"
        "    return total\n\n\n"
        "def label(self):\n"
        "    return 'x'\n"
    )
    fixed, replaced = replace_functions(SOURCE, ["amount", "Biller.label"], reply)
    assert replaced == ["amount", "Biller.label"]
    assert "    total = quantity * price\n    return total\n" in fixed
    assert "    def label(self):\n        return 'x'\n" in fixed
    assert '        """The sum of the lines:\n        each an amount."""' in fixed
    assert parses(fixed)


def test_a_bare_name_two_focused_methods_share_is_not_guessed() -> None:
    source = (
        "class A:\n    def run(self):\n        return 1\n\n\n"
        "class B:\n    def run(self):\n        return 2\n"
    )
    with pytest.raises(SpliceError, match=r"defines none of A\.run, B\.run"):
        replace_functions(source, ["A.run", "B.run"], "def run(self):\n    return 3\n")
    fixed, replaced = replace_functions(
        source, ["A.run", "B.run"], "class B:\n    def run(self):\n        return 3\n"
    )
    assert replaced == ["B.run"] and fixed.endswith("        return 3\n")
    assert "        return 1\n" in fixed


def test_a_reply_without_the_functions_is_refused() -> None:
    with pytest.raises(SpliceError, match="defines none of amount"):
        replace_functions(SOURCE, ["amount"], "def other():\n    return 1\n")
