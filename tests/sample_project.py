"""A tiny project with one passing and two failing tests, for the sandbox and LSP tests."""

CALC = """\
def divide(a, b):
    return a / b


def add(a, b):
    return a + b
"""
TESTS = """\
from app.calc import add, divide


def test_add():
    assert add(1, 2) == 3


def test_divide_by_zero():
    assert divide(1, 0) == 0


def test_wrong_sum():
    assert add(1, 1) == 3
"""
SMALL_PROJECT = {"app/__init__.py": "", "app/calc.py": CALC, "tests/test_calc.py": TESTS}
