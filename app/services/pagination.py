"""Keyset pagination, one way for every list: fetch one row more than the page, and the cursor is the
key of the last row kept (present only when that extra row says there is more)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select

from app.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def keyset_page(rows: Sequence[T], limit: int, cursor_of: Callable[[T], str]) -> Page[T]:
    """The first `limit` of `rows` (fetched with limit + 1) and the cursor after them, if there is more."""
    kept = list(rows[:limit])
    return Page(kept, cursor_of(kept[-1]) if len(rows) > limit else None)


def fetch_page(query: Select, limit: int, cursor_of: Callable[[T], str] = lambda row: str(row.id)) -> Page[T]:
    """Run `query` (ordered, already past the cursor) for one page of ORM rows."""
    return keyset_page(list(db.session.scalars(query.limit(limit + 1))), limit, cursor_of)
