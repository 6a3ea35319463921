"""Named queries for the conversation engine's state: one row per user and flow.

The engine (handlers/flow) keeps the active row of each user in memory and writes every change
through, so a restart (or a crash) resumes each conversation at the step it was at.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from bot.storage.db import Database


@dataclass(frozen=True, slots=True)
class FlowState:
    """Where one user stands in one flow. ``draft`` is the flow's draft as JSON-ready values;
    ``buttons`` the current step's buttons (action, value, label, words) for typed equivalents;
    ``history`` the steps shown before this one, for ◀️ Back."""

    user_id: int
    flow: str
    chat_id: int
    step: str
    token: str
    draft: dict[str, Any]
    touched_at: int
    active: bool = True
    buttons: tuple[tuple[str, str, str, tuple[str, ...]], ...] = ()
    history: tuple[str, ...] = field(default=())

    def but(self, **changes: Any) -> FlowState:
        return replace(self, **changes)


def _state(row: Any) -> FlowState:
    return FlowState(
        user_id=row["user_id"],
        flow=row["flow"],
        chat_id=row["chat_id"],
        step=row["step"],
        token=row["token"],
        draft=json.loads(row["draft"]),
        touched_at=row["touched_at"],
        active=bool(row["active"]),
        buttons=tuple(
            (str(a), str(v), str(label), tuple(words))
            for a, v, label, words in json.loads(row["buttons"])
        ),
        history=tuple(json.loads(row["history"])),
    )


_CACHED_USERS = 20_000


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_UPSERT = (
    "INSERT INTO flow_states (user_id, flow, chat_id, step, token, draft, buttons, history, "
    "active, touched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (user_id, flow) DO UPDATE SET chat_id = excluded.chat_id, "
    "step = excluded.step, token = excluded.token, draft = excluded.draft, "
    "buttons = excluded.buttons, history = excluded.history, "
    "active = excluded.active, touched_at = excluded.touched_at"
)


def _row(state: FlowState) -> tuple[Any, ...]:
    return (
        state.user_id,
        state.flow,
        state.chat_id,
        state.step,
        state.token,
        _json(state.draft),
        _json([[*b[:3], list(b[3])] for b in state.buttons]),
        _json(list(state.history)),
        int(state.active),
        state.touched_at,
    )


class FlowStateStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        # The router asks on every update whether the user is in a flow: each user's active row
        # (or None) is kept in memory, written through. Only this process writes these rows.
        self._active: dict[int, FlowState | None] = {}

    async def active(self, user_id: int) -> FlowState | None:
        if user_id in self._active:
            return self._active[user_id]
        row = await self.db.fetchone(
            "SELECT * FROM flow_states WHERE user_id = ? AND active = 1", (user_id,)
        )
        state = _state(row) if row else None
        self._remember(user_id, state)
        return state

    def _remember(self, user_id: int, state: FlowState | None) -> None:
        if len(self._active) >= _CACHED_USERS:
            self._active.pop(next(iter(self._active)))
        self._active[user_id] = state

    async def get(self, user_id: int, flow: str) -> FlowState | None:
        # A button of the flow the user is in (most presses): the in-memory copy is that row.
        cached = self._active.get(user_id)
        if cached is not None and cached.flow == flow:
            return cached
        row = await self.db.fetchone(
            "SELECT * FROM flow_states WHERE user_id = ? AND flow = ?", (user_id, flow)
        )
        return _state(row) if row else None

    async def save(self, state: FlowState) -> None:
        """Write the row; an active row first parks the user's other flows (one active each).

        Every step of a flow saves twice: without another flow to park it is one statement (one
        round trip to the database thread instead of BEGIN, INSERT, COMMIT)."""
        values = _row(state)
        if state.active and self._may_have_another_active(state):
            async with self.db.transaction() as conn:
                await conn.execute(
                    "UPDATE flow_states SET active = 0 WHERE user_id = ? AND flow <> ? "
                    "AND active = 1",
                    (state.user_id, state.flow),
                )
                await conn.execute(_UPSERT, values)
        else:
            await self.db.write(_UPSERT, values)
        if state.active:
            self._remember(state.user_id, state)
        elif (cached := self._active.get(state.user_id)) and cached.flow == state.flow:
            self._remember(state.user_id, None)

    def _may_have_another_active(self, state: FlowState) -> bool:
        """Whether another of the user's flows may be active (to park it): unknown unless the
        in-memory copy says none is, or this very flow is (every step of a flow saves twice)."""
        if state.user_id not in self._active:
            return True
        known = self._active[state.user_id]
        return known is not None and known.flow != state.flow

    async def park(self, user_id: int) -> None:
        """The user's active flow stops taking messages; its draft stays for "Lanjutkan"."""
        await self.db.write(
            "UPDATE flow_states SET active = 0 WHERE user_id = ? AND active = 1", (user_id,)
        )
        self._remember(user_id, None)

    async def delete(self, user_id: int, flow: str) -> None:
        await self.db.write(
            "DELETE FROM flow_states WHERE user_id = ? AND flow = ?", (user_id, flow)
        )
        cached = self._active.get(user_id)
        if cached is not None and cached.flow == flow:
            self._remember(user_id, None)

    async def delete_user(self, user_id: int) -> int:
        """Erasure: every flow's draft of this user."""
        cursor = await self.db.write("DELETE FROM flow_states WHERE user_id = ?", (user_id,))
        self._remember(user_id, None)
        return cursor.rowcount

    def forget(self, user_id: int) -> None:
        """Drop the in-memory copy after the rows were deleted elsewhere (erasure)."""
        self._active.pop(user_id, None)

    def forget_all(self) -> None:
        self._active.clear()

    async def delete_older_than(self, epoch: int) -> int:
        """Drafts untouched since ``epoch`` are gone (the draft expiry)."""
        cursor = await self.db.write("DELETE FROM flow_states WHERE touched_at < ?", (epoch,))
        if cursor.rowcount:
            self._active.clear()
        return cursor.rowcount
