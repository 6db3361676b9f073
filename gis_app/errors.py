"""The base of the domain's refusals: every app's exceptions carry a translated message for the person
who tried, turned into a form error, a flash message or a 4xx at the edge."""


class DomainError(Exception):
    """A refused action; `message` is the translated text for the person who tried."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(DomainError):
    """The person may not do this (role, ownership, or the object's state)."""
