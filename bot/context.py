"""Typed state shared by every handler: the services and the user's translator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import Translator

if TYPE_CHECKING:
    from bot.services.container import Services


# PTB's Application and handlers are generic in six and three parameters that the bot never
# narrows; one spelling of "any such" keeps the signatures readable.
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class BotData:
    """``application.bot_data``: set once by the wiring."""

    services: Services


class BotContext(CallbackContext[ExtBot[Any], dict[str, Any], dict[str, Any], BotData]):
    """The context every handler receives: ``context.services`` and ``context.t``."""

    def __init__(
        self, application: AnyApplication, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._translator: Translator | None = None

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def t(self) -> Translator:
        """The translator of the user this update comes from (set before any handler runs)."""
        if self._translator is None:
            services = self.services
            self._translator = services.translator(services.config.default_language)
        return self._translator

    @t.setter
    def t(self, value: Translator) -> None:
        self._translator = value
