"""The one domain error type. Services raise it; the API maps it to the
error body and pages show its message."""


class DomainError(Exception):
    """A rule of the domain refused the action (a locked thread, a duplicate
    vote). `status` is the HTTP status it maps to."""

    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        fields: dict | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = fields or {}
        if status is not None:
            self.status = status


class Forbidden(DomainError):
    status = 403

    def __init__(self, message: str = "You do not have permission to do this.") -> None:
        super().__init__(message, code="permission_denied")


class Conflict(DomainError):
    status = 409

    def __init__(self, message: str) -> None:
        super().__init__(message, code="conflict")
