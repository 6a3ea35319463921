"""Domain errors: services raise them, handlers turn them into a message in the user's language."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the service said no; ``code`` names which, ``params`` fill the message."""

    code = "domain"

    # ``code`` is positional-only: a parameter named "code" (a kecamatan's, a booking's) goes to
    # ``params`` instead of replacing the reason.
    def __init__(self, code: str | None = None, /, **params: Any) -> None:
        super().__init__(code or self.code)
        if code:
            self.code = code
        self.params = params


class NotAllowed(DomainError):
    """The user may not do this (not staff, not the owner, another kecamatan)."""

    code = "not_allowed"


class NotFound(DomainError):
    code = "not_found"
