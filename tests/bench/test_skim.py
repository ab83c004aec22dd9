"""The skim parse (bench/skim.py): function bodies left out, the rows of a full parse kept."""

from __future__ import annotations

import ast
import random
import sys
from pathlib import Path

import pytest
import skim

from service_creator.codeintel import parsing
from service_creator.codeintel.symbols import parse_rows


def body_text(source: bytes, body: skim.Body) -> bytes:
    return source[body.start : body.stop]


def test_a_body_is_the_lines_after_its_header_up_to_the_next_code_as_shallow_as_its_def():
    source = (
        b"class Store(Base):\n"
        b"    size: int = 1\n"
        b"\n"
        b"    @property\n"
        b"    async def grow(\n"
        b"        self,\n"
        b"        by: dict[str, int],\n"
        b"    ) -> int:  # it's the size\n"
        b'        """Grow."""\n'
        b"# a comment as shallow as the class does not end the body\n"
        b"\n"
        b"        return self.size + by\n"
        b"\n"
        b"    limit = 2\n"
        b"def make(x):\n"
        b"    return x\n"
    )
    grow, make = skim.function_bodies(source)
    assert source[grow.colon - 8 : grow.colon + 1] == b") -> int:"
    assert body_text(source, grow).startswith(b'        """Grow."""\n')
    assert body_text(source, grow).endswith(b"return self.size + by\n\n")
    assert source[grow.stop :].startswith(b"    limit = 2\n")
    assert body_text(source, make) == b"    return x\n"
    assert source[make.colon : make.colon + 2] == b":\n"


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(b"def f(x): return x\ny = 1\n", id="one line"),
        pytest.param(b"def f(\n    x: int,\n) -> int: ...\n\nclass A:\n    pass\n", id="stub"),
        pytest.param(b"class A:\n\tdef f(self):\n\t\treturn 1\n", id="def indented by a tab"),
        pytest.param(b'def f():\n    x = """\nruns on\n"""\n    return x\n', id="string runs on"),
        pytest.param(b"def f():\n    x = \\\ny = 1\n", id="backslash at its end"),
        pytest.param(b"x = undef f():\n    pass\n", id="not a def"),
        pytest.param(b"def f():\ny = 1\n", id="no body"),
        pytest.param(b"def f(\n    x, y\n", id="header never ends"),
    ],
)
def test_a_body_not_safe_to_leave_out_stays_in(source):
    assert skim.function_bodies(source) == []


def test_functions_inside_a_body_go_with_it():
    source = b"def outer():\n    def inner():\n        return 1\n    return inner\nz = 1\n"
    (body,) = skim.function_bodies(source)
    assert b"def inner" in body_text(source, body)


def test_a_skim_tree_keeps_offsets_and_rows_and_empties_the_bodies():
    source = (
        b"import os\n\n\ndef f(a):\n    return a\n\n\nclass A:\n    def g(self):\n        pass\n"
    )
    tree = skim.parse(source)
    assert tree is not None and not tree.root_node.has_error
    full = parsing.parser("python").parse(source).root_node
    assert [(n.type, n.start_point) for n in tree.root_node.children] == [
        (n.type, n.start_point) for n in full.children
    ]
    f = tree.root_node.children[1]
    assert f.child_by_field_name("body").text == b""
    assert f.child_by_field_name("name").text == b"f"


CASES = {
    "def in a docstring example": b'def g():\n    """Example:\n\ndef f():\n    return 1\n"""\n'
    b"    return 2\n\n\nclass A:\n    x = 1\n",
    "def in a string next to code": b'X = """\ndef f():\n    body\n    """; Z = """\n    more\n'
    b'"""\nY = 1\n',
    "bracket closed at column 0": b"def f():\n    x = (\n1)\n    return x\nc = 3\n",
    "comment at column 0 in a body": b"class A:\n    def f(self):\n        x = 1\n# note\n"
    b"        return x\n    y = 2\n",
    "body indented by tabs": b"def f():\n\tx = 1\n\treturn x\nq = 1\n",
    "crlf": b"class A:\r\n    def f(self):\r\n        return 1\r\n    y = 2\r\n",
    "no newline at the end": b"def f():\n    return 1",
    "lambda default": b"def f(key=lambda x: x):\n    return key\nk = 1\n",
    "dict default over two lines": b'def f(x={"a":\n    1}):\n    return x\nm = 1\n',
    "route": b'router = APIRouter(prefix="/v1")\n\n\n@router.get("/items/{id}")\nasync def item(\n'
    b"    id: str,\n) -> Item:  # the item\n    return load(id)\n",
    "syntax error outside bodies": b"def f():\n    return 1\nclass (:\n    pass\nv = 2\n",
}


@pytest.mark.parametrize("source", CASES.values(), ids=CASES.keys())
def test_a_skim_gives_the_rows_and_errors_of_a_full_parse(source):
    assert skim.parse_rows("python", source) == parse_rows("python", source)


def test_a_def_in_a_docstring_has_its_body_put_back_and_the_rest_is_still_skimmed():
    source = (
        b'"""Usage:\n\ndef handler(event):\n    return event\n"""\n\n\n'
        b"def real(x):\n    return x * 2\n"
    )
    assert len(skim.function_bodies(source)) == 2
    tree = skim.parse(source)
    assert tree is not None
    real = tree.root_node.children[-1]
    assert real.child_by_field_name("name").text == b"real"
    assert real.child_by_field_name("body").text == b""


def test_a_syntax_error_outside_the_bodies_means_a_full_parse():
    source = CASES["syntax error outside bodies"]
    assert skim.function_bodies(source)
    assert skim.parse(source) is None
    errors = skim.parse_rows("python", source)[1]
    assert errors == parse_rows("python", source)[1] and 3 in errors


def test_a_syntax_error_inside_a_body_left_out_is_not_seen():
    """The price of a skim, and why only the cold index of bench/bulk.py skims: rows, not
    diagnostics."""
    source = b"def f():\n    x = = 1\n\n\ndef g():\n    pass\nw = 1\n"
    skimmed_rows, skimmed_errors = skim.parse_rows("python", source)
    full_rows, full_errors = parse_rows("python", source)
    assert (skimmed_rows, skimmed_errors, full_errors) == (full_rows, [], [2])


# Fragments of a module; each with whether a skim leaves a body of it out, and whether it
# sends the whole module back to the full parse (a bracket closed at column 0 inside a body).
FRAGMENTS = [
    ("import os\n", False, False),
    ("from typing import Any as A\n", False, False),
    ("LIMIT: int = {n}\n", False, False),
    ("def f{n}(x, *a, **k):\n    return x\n", True, False),
    (
        "async def a{n}(\n    x: int,\n    y: dict[str, int] | None = None,\n) -> int:  # it's\n"
        "    '''Doc.'''\n    return x\n",
        True,
        False,
    ),
    ("def s{n}(x: int) -> int: ...\n", False, False),
    (
        '@router.post("/p{n}")\ndef r{n}():\n    """Route.\n\n'
        'def not_a_function():\n    pass\n"""\n    return 1\n',
        False,
        False,
    ),
    (
        "class C{n}(Base):\n    size: int = {n}\n    # note\n    def m(self):  # m\n"
        "        # first\n        return self.size\n\n    other = 2\n",
        True,
        False,
    ),
    ("def t{n}():\n    text = '''\ncolumn zero\n'''\n    return text\n", False, False),
    ("def b{n}():\n    value = (1 +\n2)\n    return value\n", True, True),
    ("def n{n}():\n    def inner():\n        return 1\n    return inner\n", True, False),
    ('X{n} = """\ndef g():\n    pass\n"""\n', False, False),
    ("if TYPE_CHECKING:\n    def hidden{n}():\n        pass\n", True, False),
    ("def tab{n}():\n\tx = 1\n\treturn x\n", True, False),
    ("def one{n}(): return {n}\n", False, False),
    ("# def commented(): pass\n", False, False),
    ("router = APIRouter(prefix='/v{n}')\n", False, False),
]


def test_random_modules_give_the_same_rows_skimmed_or_parsed_in_full():
    generator = random.Random(11)
    for _ in range(400):
        parts = [generator.choice(FRAGMENTS) for _ in range(generator.randint(1, 9))]
        source = "\n".join(text.format(n=i) for i, (text, _, _) in enumerate(parts))
        ast.parse(source)  # every module is valid Python
        data = source.encode()
        assert skim.parse_rows("python", data) == parse_rows("python", data), source
        skims = any(body for _, body, _ in parts) and not any(full for _, _, full in parts)
        assert (skim.parse(data) is not None) == skims, source


def real_modules() -> list[Path]:
    """This package's modules and every 20th module of the installed packages."""
    ours = sorted(Path(parsing.__file__).parents[1].rglob("*.py"))
    site = next(Path(p) for p in sys.path if p.endswith("site-packages"))
    return ours + sorted(site.rglob("*.py"))[::20]


def test_real_modules_give_the_same_rows_skimmed_or_parsed_in_full():
    modules = real_modules()
    skimmed = 0
    for path in modules:
        source = path.read_bytes()
        assert skim.parse_rows("python", source) == parse_rows("python", source), path
        skimmed += skim.parse(source) is not None
    assert len(modules) > 300
    assert skimmed > len(modules) / 2
