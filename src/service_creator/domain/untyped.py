"""The values no type can describe before they are checked, each named once with the reason.

Everything else is typed: these are the boundaries where a value comes from outside and is
narrowed where it lands. Where code only passes a value on or narrows it itself, it takes
`object`, not one of these.
"""

from __future__ import annotations

from typing import Any

RawAnswer = Any  # what a user or a client sent, before it is validated: tried by float()/str()
Untyped = Any  # a value of a library without types (litellm's replies): read by attribute
