"""Sessions on disk: `<workspace>/.service-creator/sessions/<id>.json`, saved after every answer.

A session file is project data, so it is untrusted: it is read like any project file (no link,
no special file, capped, UTF-8; `safe_files`), and the workspace it names is informative only.
The store's workspace is the one the front door resolved. A session whose stored workspace is
another folder was copied (or crafted): it is re-homed into this workspace, the user is told
(`notes`), and its old path is never used.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from pydantic import ValidationError

from service_creator.domain.atomic import atomic_write
from service_creator.domain.confine import STATE_DIR, confine, state_dir
from service_creator.domain.errors import SessionNotFoundError, UnsafeFileError, WorkspaceError
from service_creator.domain.requirements import Session
from service_creator.domain.safe_files import read_project_text
from service_creator.domain.workspace_path import WorkspacePath, shown

log = logging.getLogger(__name__)

_SESSION_ID = re.compile(r"^[a-f0-9]{12}$")
SESSIONS = f"{STATE_DIR}/sessions"
MAX_SESSION_BYTES = 4 << 20
DAMAGED_HINT = "delete it to start over (the interview's answers in it are lost)"


def rehome_note(session_id: str, stored: str, workspace: Path) -> str:
    return f"session {session_id} was made in {shown(stored)}; using it in {workspace}"


class SessionStore:
    """The sessions of one workspace (a `WorkspacePath` from a front door, or a folder)."""

    def __init__(self, workspace: WorkspacePath | Path) -> None:
        self.workspace = (
            workspace.path if isinstance(workspace, WorkspacePath) else workspace.resolve()
        )
        self.folder = state_dir(self.workspace) / "sessions"
        self.notes: list[str] = []  # what the user should hear about (re-homed sessions)

    def new(self, engine: str) -> Session:
        session = Session(workspace=str(self.workspace), engine=engine)
        self.save(session)
        return session

    def save(self, session: Session) -> None:
        session.workspace = str(self.workspace)  # where it is, whatever it said
        relative = f"{SESSIONS}/{self._checked(session.id)}.json"
        target = confine(self.workspace, relative, internal=True)  # no link out of the folder
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, session.model_dump_json(indent=2))

    def load(self, session_id: str) -> Session:
        """The session, re-homed into this workspace (the user is told, in `notes`); clear
        errors for a missing, unreadable or damaged file."""
        return self._rehomed(self._read(session_id), tell=True)

    def all(self) -> list[Session]:
        """Every session of the workspace, oldest first (re-homed, silently)."""
        if not self.folder.is_dir():
            return []
        ids = [p.stem for p in self.folder.glob("*.json") if _SESSION_ID.fullmatch(p.stem)]
        sessions = [self._rehomed(self._read(i), tell=False) for i in ids]
        return sorted(sessions, key=lambda s: s.updated_at)

    def latest(self) -> Session | None:
        sessions = self.all()
        return self.load(sessions[-1].id) if sessions else None

    def _read(self, session_id: str) -> Session:
        """The session as its file says, its id the file's."""
        relative = f"{SESSIONS}/{self._checked(session_id)}.json"
        path = self.workspace / relative
        try:
            text = read_project_text(self.workspace, relative, limit=MAX_SESSION_BYTES)
        except FileNotFoundError:
            raise SessionNotFoundError(
                f"No session '{session_id}' in {self.workspace}",
                hint="run `service-creator interview` to start one",
            ) from None
        except UnsafeFileError as exc:
            raise WorkspaceError(
                f"Cannot use the session file {path}: {exc.message}",
                hint=f"{DAMAGED_HINT}; a session file is a regular UTF-8 file, not a link",
            ) from None
        try:
            session = Session.model_validate_json(text)
        except ValidationError as exc:
            raise WorkspaceError(
                f"Session file {path} is damaged: {exc.errors()[0]['msg']}", hint=DAMAGED_HINT
            ) from None
        if session.id != session_id:  # the file's name says which session it is
            session = session.model_copy(update={"id": session_id})
        return session

    def _rehomed(self, session: Session, *, tell: bool) -> Session:
        if session.workspace == str(self.workspace):
            return session
        if tell:
            note = rehome_note(session.id, session.workspace, self.workspace)
            log.info("%s", note)
            self.notes.append(note)
        return session.model_copy(update={"workspace": str(self.workspace)})

    @staticmethod
    def _checked(session_id: str) -> str:
        if not _SESSION_ID.fullmatch(session_id):
            raise SessionNotFoundError(f"'{shown(session_id)}' is not a session id (12 hex digits)")
        return session_id
