"""Domain errors: what went wrong, as a status, a code and a Chinese sentence; no Flask here.

The write path (ingest, imaging) raises these so that a screen watcher or an importer can call it
without a web request; ``core/web.py`` maps them to the API's one error shape
{"error": code, "message": sentence} or to the dashboard's error page.
"""

from __future__ import annotations


class DomainError(Exception):
    """Refused input or a missing thing; ``status`` is the HTTP status the web layer answers with."""

    def __init__(self, status: int, code: str, message: str, **extra: object) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def to_dict(self) -> dict[str, object]:
        return {"error": self.code, "message": self.message, **self.extra}
