"""Service Creator: interview, generate and test cloud service projects from the editor."""

__version__ = "0.1.0"
