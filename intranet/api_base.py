"""The API's shared parts: cursor pagination and a JSON parser that refuses
text the database cannot store. (The error body lives in `api_errors`: DRF
imports these classes while `rest_framework.views` is still loading, so this
module must not import it.)"""

from typing import Any

from rest_framework import exceptions, pagination, parsers


class CursorPagination(pagination.CursorPagination):
    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 100


def _bad_text(value: str) -> str | None:
    if "\x00" in value:
        return "NUL characters are not allowed."
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        return "Text contains an unpaired surrogate (invalid Unicode)."
    return None


def _check_text(value: Any, path: str, errors: dict[str, list[str]]) -> None:
    if isinstance(value, str):
        if message := _bad_text(value):
            errors.setdefault(path or "non_field_errors", []).append(message)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(str(key), path, errors)
            _check_text(item, f"{path}.{key}" if path else str(key), errors)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text(item, f"{path}[{index}]" if path else f"[{index}]", errors)


class StrictJSONParser(parsers.JSONParser):
    """JSON that is valid and storable: no NUL bytes, no lone surrogates."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        errors: dict[str, list[str]] = {}
        _check_text(data, "", errors)
        if errors:
            raise exceptions.ValidationError(errors)
        return data
