"""Suggested blocks for the next draft: filled in from Let's Talk and Ask
Leadership activity since the last issue."""

from datetime import datetime


def suggest_blocks(*, since: datetime) -> list[dict]:
    return []
