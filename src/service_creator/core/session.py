"""Sessions on disk: `<workspace>/.service-creator/sessions/<id>.json`, saved after every answer."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import ValidationError

from service_creator.core.models import Session
from service_creator.core.workspace import atomic_write, state_dir
from service_creator.errors import SessionNotFoundError, WorkspaceError

_SESSION_ID = re.compile(r"^[a-f0-9]{12}$")


class SessionStore:
    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace.resolve()
        self.folder = state_dir(self.workspace) / "sessions"

    def new(self, engine: str) -> Session:
        session = Session(workspace=str(self.workspace), engine=engine)
        self.save(session)
        return session

    def save(self, session: Session) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write(self._path(session.id), session.model_dump_json(indent=2))

    def load(self, session_id: str) -> Session:
        path = self._path(session_id)
        if not path.is_file():
            raise SessionNotFoundError(
                f"No session '{session_id}' in {self.workspace}",
                hint="run `service-creator interview` to start one",
            )
        try:
            return Session.model_validate_json(path.read_text(encoding="utf-8"))
        except ValidationError as exc:
            raise WorkspaceError(
                f"Session file {path} is damaged: {exc.errors()[0]['msg']}",
                hint="delete it to start over",
            ) from None

    def all(self) -> list[Session]:
        if not self.folder.is_dir():
            return []
        sessions = [
            self.load(p.stem) for p in self.folder.glob("*.json") if _SESSION_ID.match(p.stem)
        ]
        return sorted(sessions, key=lambda s: s.updated_at)

    def latest(self) -> Session | None:
        sessions = self.all()
        return sessions[-1] if sessions else None

    def _path(self, session_id: str) -> Path:
        if not _SESSION_ID.match(session_id):
            raise SessionNotFoundError(f"'{session_id}' is not a session id (12 hex digits)")
        return self.folder / f"{session_id}.json"
