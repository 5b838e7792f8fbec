"""The blocks an issue is made of: their input shapes, one serializer per kind.

An issue stores its blocks as a JSON list of `{"id", "kind", ...fields}`; the
editor saves the whole list (autosave), so reorder, remove and duplicate are
list operations on the client and one validated write here."""

import secrets
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

KINDS = [
    ("heading", "Heading"),
    ("text", "Text"),
    ("story", "Story"),
    ("thread", "Featured Let's Talk thread"),
    ("question", "Answered question"),
    ("announcement", "Announcement"),
    ("event", "Event"),
    ("links", "Links list"),
    ("divider", "Divider"),
]
MAX_BLOCKS = 60


def _text(max_length: int, required: bool = False) -> serializers.CharField:
    if required:
        return serializers.CharField(max_length=max_length)
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default=""
    )


def _url(required: bool = False) -> serializers.CharField:
    # Absolute http(s) URLs, or site-relative paths ("/talk/12/").
    return serializers.RegexField(
        r"^(https?://[^\s<>\"']+|/[^\s<>\"']*)$",
        max_length=1000,
        required=required,
        allow_blank=not required,
        default="" if not required else serializers.empty,
        error_messages={"invalid": "Enter an http(s) URL or a path starting with /."},
    )


class HeadingBlock(serializers.Serializer):
    text = _text(200, required=True)


class TextBlock(serializers.Serializer):
    markdown = serializers.CharField(max_length=20_000)


class StoryBlock(serializers.Serializer):
    title = _text(200, required=True)
    summary = _text(2000)
    image_url = _url()
    image_alt = _text(300)
    image_width = serializers.IntegerField(min_value=0, max_value=10_000, required=False)
    image_bytes = serializers.IntegerField(min_value=0, required=False)
    url = _url()


class ThreadBlock(serializers.Serializer):
    thread_id = serializers.IntegerField(min_value=1, required=False)
    title = _text(300, required=True)
    url = _url()
    excerpt = _text(2000)
    comment_count = serializers.IntegerField(min_value=0, default=0)


class QuestionBlock(serializers.Serializer):
    question_id = serializers.IntegerField(min_value=1, required=False)
    question = _text(2000, required=True)
    answer = _text(4000)
    answered_by = _text(200)
    url = _url()


class AnnouncementBlock(serializers.Serializer):
    title = _text(200, required=True)
    body = _text(4000)
    url = _url()


class EventBlock(serializers.Serializer):
    title = _text(200, required=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    place = _text(200)
    details = _text(2000)

    def validate(self, attrs: dict) -> dict:
        if attrs.get("ends_at") and attrs["ends_at"] < attrs["starts_at"]:
            raise serializers.ValidationError({"ends_at": ["The event ends before it starts."]})
        return attrs


class LinkItem(serializers.Serializer):
    label = _text(200, required=True)
    url = _url(required=True)


class LinksBlock(serializers.Serializer):
    title = _text(200)
    items = LinkItem(many=True, max_length=30)


class DividerBlock(serializers.Serializer):
    pass


SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    "heading": HeadingBlock,
    "text": TextBlock,
    "story": StoryBlock,
    "thread": ThreadBlock,
    "question": QuestionBlock,
    "announcement": AnnouncementBlock,
    "event": EventBlock,
    "links": LinksBlock,
    "divider": DividerBlock,
}


def new_block_id() -> str:
    return secrets.token_hex(4)


@extend_schema_field(
    {
        "type": "object",
        "properties": {"id": {"type": "string"}, "kind": {"enum": [k for k, _ in KINDS]}},
        "required": ["kind"],
        "additionalProperties": True,
    }
)
class BlockField(serializers.Field):
    """One block: `kind` picks the serializer; `id` is kept or assigned."""

    def to_internal_value(self, data: Any) -> dict:
        if not isinstance(data, dict):
            raise serializers.ValidationError("A block must be an object.")
        kind = data.get("kind")
        if kind not in SERIALIZERS:
            raise serializers.ValidationError(
                {"kind": [f"Unknown block kind; use one of {', '.join(SERIALIZERS)}."]}
            )
        block_id = data.get("id") or new_block_id()
        if not isinstance(block_id, str) or not block_id.isalnum() or len(block_id) > 16:
            raise serializers.ValidationError({"id": ["A block id is 1-16 letters or digits."]})
        fields = {k: v for k, v in data.items() if k not in {"id", "kind"}}
        inner = SERIALIZERS[kind](data=fields)
        inner.is_valid(raise_exception=True)
        return {"id": block_id, "kind": kind, **_jsonable(inner.validated_data)}

    def to_representation(self, value: dict) -> dict:
        return value


def _jsonable(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _jsonable(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_jsonable(v) for v in data]
    if hasattr(data, "isoformat"):
        return data.isoformat()
    return data


class BlockList(serializers.ListField):
    child = BlockField()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=MAX_BLOCKS, **kwargs)

    def to_internal_value(self, data: Any) -> list[dict]:
        blocks = super().to_internal_value(data)
        # Duplicated blocks arrive with their original's id: give the copy its own.
        seen: set[str] = set()
        for block in blocks:
            if block["id"] in seen:
                block["id"] = new_block_id()
            seen.add(block["id"])
        return blocks
