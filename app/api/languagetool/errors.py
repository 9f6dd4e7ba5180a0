"""The one error of the LanguageTool API: a status and a plain-text message."""

from __future__ import annotations


class LTError(ValueError):
    """A request LanguageTool would refuse; answered as ``Error: <message>`` in plain text."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
