"""The process-wide pieces one running instance shares: settings, engine, sessions, queue."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from clearinghouse import db
from clearinghouse.config import Settings
from clearinghouse.jobs import JobQueue


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    queue: JobQueue
    secret_key: str

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        engine = db.create_db_engine(settings.database)
        sessions = db.session_factory(engine)
        queue = JobQueue(settings, engine, sessions)
        # Generated and stored in the data dir on the first run when not configured.
        return cls(settings, engine, sessions, queue, settings.effective_secret_key())

    def close(self) -> None:
        self.engine.dispose()
