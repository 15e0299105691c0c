"""Domain errors raised by services; views turn them into messages for the user."""


class DomainError(Exception):
    """A business rule was broken; ``message`` is safe to show the user (translatable)."""

    def __init__(self, message: str):
        super().__init__(str(message))
        self.message = message


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to this user)."""


class Forbidden(DomainError):
    """The user may not do this."""
