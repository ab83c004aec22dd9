"""One error hierarchy; adapters turn it into a JSON-RPC error, an MCP tool error, a CLI message."""


class ServiceCreatorError(Exception):
    """Base of every error we raise on purpose. `hint` says what the user can do about it."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InvalidAnswerError(ServiceCreatorError):
    """An answer that does not fit its question; the session is left untouched."""


class SessionNotFoundError(ServiceCreatorError):
    pass


class InterviewIncompleteError(ServiceCreatorError):
    pass


class WorkspaceError(ServiceCreatorError):
    """A path outside the workspace, a refused write, an unreadable manifest."""


class ConfigError(ServiceCreatorError):
    pass


class GenerationError(ServiceCreatorError):
    pass


class SandboxError(ServiceCreatorError):
    """The sandbox itself failed (no engine, no image, Docker API error), not the tests."""


class CancelledByUser(ServiceCreatorError):
    pass


class UnsafeFileError(WorkspaceError):
    """A project file we refuse to read: a link, a special file, too big, not UTF-8."""
