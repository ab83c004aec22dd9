"""Code out of a model's reply: fences, prose around them, several blocks, a cut-off reply."""

from __future__ import annotations

from service_creator.domain.project import FileSpec
from service_creator.llm.reply import code_from_reply, join_continuation

PY = FileSpec(path="models.py", purpose="", language="python")
YAML = FileSpec(path="kubernetes.yaml", purpose="", language="yaml")
README = FileSpec(path="README.md", purpose="", language="markdown")
REQS = FileSpec(path="requirements.txt", purpose="", language="text")


def test_prose_around_one_fenced_block():
    reply = "Sure! Here is the file:\n\n```python\nimport os\n\nX = 1\n```\n\nLet me know."
    assert code_from_reply(reply, PY) == ("import os\n\nX = 1\n", True)


def test_several_blocks_the_one_naming_the_file_wins():
    reply = (
        "First the schema:\n```python\nclass A: ...\n```\n"
        "Then models.py:\n```python\nclass B: ...\n```\n"
        "Run it with:\n```bash\npython -m pytest\n```\n"
    )
    assert code_from_reply(reply, PY)[0] == "class B: ...\n"
    titled = "```python title=other.py\nx = 1\n```\n```python title=models.py\ny = 2\n```"
    assert code_from_reply(titled, PY)[0] == "y = 2\n"


def test_several_blocks_the_one_in_the_files_language_wins():
    reply = "```bash\nkubectl apply -f kubernetes.yaml\n```\n```yaml\nkind: Service\n```"
    assert code_from_reply(reply, YAML)[0] == "kind: Service\n"


def test_no_fence_at_all_drops_leading_prose_for_python():
    assert code_from_reply("Here you go:\nimport os\nprint(os.sep)\n", PY)[0] == (
        "import os\nprint(os.sep)\n"
    )
    assert code_from_reply("fastapi>=0.110\nhttpx\n", REQS)[0] == "fastapi>=0.110\nhttpx\n"


def test_an_unclosed_block_means_the_reply_was_cut_off():
    assert code_from_reply("```python\ndef f(x):\n    return", PY) == (
        "def f(x):\n    return\n",
        False,
    )


def test_a_continuation_that_reopens_the_block_joins_cleanly():
    joined = join_continuation("```python\ndef f(", "```python\nx):\n    return x\n```")
    assert code_from_reply(joined, PY) == ("def f(x):\n    return x\n", True)


def test_markdown_keeps_its_own_fences_and_loses_only_an_outer_one():
    inner = "# Title\n\n```bash\nmake run\n```\n"
    assert code_from_reply(f"```markdown\n{inner}```", README) == (inner, True)
    assert code_from_reply(inner, README) == (inner, True)
    assert code_from_reply(f"````md\n{inner}````", README) == (inner, True)


def test_markdown_with_prose_around_a_tagged_block_keeps_its_inner_fences():
    inner = "# Title\n\n```bash\nmake run\n```\n\nMore text.\n"
    reply = f"Sure! Here is `README.md`:\n\n```markdown\n{inner}```\n\nHope it helps."
    assert code_from_reply(reply, README) == (inner, True)
    assert code_from_reply("```md\n# Title\n\nText", README) == ("# Title\n\nText\n", False)
