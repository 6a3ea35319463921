"""One update inside a flow: the draft, the step, and the ways a step talks to the resident."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest

from bot.callbacks import CallbackCodec
from bot.context import BotContext
from bot.i18n import Translator
from bot.services.container import Services
from handlers.flow import words
from handlers.flow.model import Button, Flow

if TYPE_CHECKING:
    from bot.storage.flow_states import FlowState

D = TypeVar("D")

# Every in-flow button: flow name, the token of the step it was shown for, action, value.
FLOW_BUTTON = CallbackCodec("fl", "flow", "tok", "act", "val")

# Engine actions every flow understands.
BACK, LEAVE, RESUME, RESTART = "_back", "_leave", "_resume", "_restart"

Row = Sequence[Button | InlineKeyboardButton]
ButtonRecord = tuple[str, str, str, tuple[str, ...]]


def new_token() -> str:
    return secrets.token_hex(2)


class Turn(Generic[D]):
    """What a step's handlers get: ``draft`` to change, ``ask`` to show the step, ``say`` for
    anything else. Built by the engine for one update."""

    def __init__(
        self,
        update: Update,
        context: BotContext,
        flow: Flow[D],
        draft: D,
        state: FlowState,
    ) -> None:
        self.update = update
        self.context = context
        self.flow = flow
        self.draft = draft
        self.state = state
        self.step = state.step
        self.token = state.token
        self.history: list[str] = list(state.history)
        self.buttons: list[ButtonRecord] = list(state.buttons)
        # Set by the engine while it shows a step: called once the question's buttons are
        # recorded, just before it is sent (the engine writes the state then).
        self.before_ask: Callable[[], Awaitable[None]] | None = None

    # --- who and what -------------------------------------------------------------------------

    @property
    def services(self) -> Services:
        return self.context.services

    @property
    def t(self) -> Translator:
        return self.context.t

    def _(self, text: str) -> str:
        return self.context.t.gettext(text)

    @property
    def user_id(self) -> int:
        return self.state.user_id

    @property
    def chat_id(self) -> int:
        return self.state.chat_id

    def can_go_back(self) -> bool:
        step = self.flow.steps.get(self.step)
        if step is None or not step.can_go_back:
            return False
        return bool(step.back or self.history)

    # --- talking ------------------------------------------------------------------------------

    def pack(self, action: str, value: object = "") -> str:
        return FLOW_BUTTON.pack(self.flow.name, self.token, action, value)

    def keyboard(self, rows: Sequence[Row], *, nav: bool = True) -> InlineKeyboardMarkup | None:
        """The step's buttons with this step's token, plus ◀️ Back / ✖️ Leave; each is recorded
        so that its label, its number or its words can be typed instead."""
        _ = self._
        self.buttons = []
        built: list[list[InlineKeyboardButton]] = []
        all_rows = [list(r) for r in rows]
        if nav:
            row: list[Button | InlineKeyboardButton] = []
            if self.can_go_back():
                row.append(Button(_("◀️ Back"), BACK, words=words.BACK))
            row.append(Button(_("✖️ Leave"), LEAVE, words=words.LEAVE))
            all_rows.append(row)
        for r in all_rows:
            out = []
            for b in r:
                if isinstance(b, Button):
                    out.append(
                        InlineKeyboardButton(b.label, callback_data=self.pack(b.action, b.value))
                    )
                    self.buttons.append((b.action, b.value, b.label, tuple(sorted(b.words))))
                else:
                    out.append(b)
            if out:
                built.append(out)
        return InlineKeyboardMarkup(built) if built else None

    async def ask(
        self,
        text: str,
        rows: Sequence[Row] = (),
        *,
        nav: bool = True,
        edit: bool = False,
    ) -> Message | None:
        """Show the step: ``text`` with its buttons (``edit``: in place of the pressed message)."""
        markup = self.keyboard(rows, nav=nav)
        if self.before_ask is not None:
            await self.before_ask()
        if edit:
            edited = await self._edit(text, markup)
            if edited is not None:
                return edited
        return await self.say(text, markup)

    async def say(
        self,
        text: str,
        markup: InlineKeyboardMarkup
        | ReplyKeyboardMarkup
        | ReplyKeyboardRemove
        | ForceReply
        | None = None,
    ) -> Message | None:
        """Send a message to the resident (not the step's question: no buttons are recorded)."""
        chat = self.update.effective_chat
        if chat is None:
            return None
        return await chat.send_message(text, reply_markup=markup)

    async def toast(self, text: str | None = None, *, alert: bool = False) -> None:
        query = self.update.callback_query
        if query is None:
            return
        try:
            await query.answer(text, show_alert=alert)
        except BadRequest:  # too old to answer; what follows still matters
            pass

    async def close_pressed(self) -> None:
        """The pressed message keeps its text and loses its buttons: one answer per step."""
        query = self.update.callback_query
        if query is None or query.message is None:
            return
        try:
            await query.edit_message_reply_markup(None)
        except BadRequest:
            pass

    async def _edit(self, text: str, markup: InlineKeyboardMarkup | None) -> Message | None:
        query = self.update.callback_query
        if query is None or not isinstance(query.message, Message):
            return None
        try:
            edited = await query.message.edit_text(text, reply_markup=markup)
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return query.message
            return None
        return edited if isinstance(edited, Message) else None

    def typed_button(self, text: str, *, by_number: bool) -> tuple[str, str] | None:
        """The recorded button a typed message stands for: its label, one of its words, or (when
        ``by_number``) its number in reading order."""
        normal = words.normalize(text)
        if not normal:
            return None
        for action, value, label, extra in self.buttons:
            if normal == words.normalize(label) or words.is_in(text, frozenset(extra)):
                return action, value
        if by_number and normal.isdigit():
            index = int(normal) - 1
            if 0 <= index < len(self.buttons):
                action, value, _label, _words = self.buttons[index]
                return action, value
        return None
