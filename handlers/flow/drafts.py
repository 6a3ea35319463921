"""Typed drafts ⇄ JSON: a flow's draft is a dataclass; the engine stores it as plain values.

Supported field types: str, int, float, bool, date, time, datetime, lists/tuples/sets of those,
and ``X | None``. Unknown keys in a stored draft (a field removed by a newer version) are ignored;
missing ones take the dataclass default, so a deploy never breaks a conversation in progress.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime, time
from functools import cache
from typing import Any, TypeVar

D = TypeVar("D")


def encode(draft: Any) -> dict[str, Any]:
    return {f.name: _plain(getattr(draft, f.name)) for f in dataclasses.fields(draft)}


def decode(cls: type[D], data: dict[str, Any]) -> D:
    hints = _hints(cls)  # type: ignore[arg-type]  # a dataclass type is hashable
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in data:
            try:
                values[f.name] = _typed(hints[f.name], data[f.name])
            except (TypeError, ValueError):
                continue  # an unreadable value counts as not given
    return cls(**values)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    return value


def _typed(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None:
            return None
        return _typed(args[0], value)
    if value is None:
        return None
    if origin in (list, tuple, set, frozenset):
        (item,) = typing.get_args(hint)[:1] or (Any,)
        items = [_typed(item, v) for v in value]
        return origin(items)
    if hint is datetime:
        return datetime.fromisoformat(value)
    if hint is date:
        return date.fromisoformat(value)
    if hint is time:
        return time.fromisoformat(value)
    if hint in (int, float, str):
        return hint(value)
    if hint is bool:
        return bool(value)
    return value
