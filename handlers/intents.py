"""Free text that starts a flow: a filter matching messages whose intent is one of a flow's.

Each flow adds ``MessageHandler(starts(intent), entry)`` to its entry points; the question answerer
(handlers/ask.py) takes the free text no flow wanted. The analysis is computed once per message.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date

from telegram import Message, Update
from telegram.ext import filters

from bot.context import BotContext

_CACHE_SIZE = 256
_cache: OrderedDict[tuple[int, int], object] = OrderedDict()


def _analyze(message: Message, today: date | None = None):  # -> bot.nlu.Analysis
    from bot.nlu import Analyzer

    key = (message.chat.id, message.message_id)
    cached = _cache.get(key)
    if cached is not None and today is None:
        return cached
    analysis = Analyzer.load().analyze(message.text or "", today=today or date.today())
    _cache[key] = analysis
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return analysis


def analysis_of(update: Update, context: BotContext):  # -> bot.nlu.Analysis
    """The analysis of this update's text, with dates relative to the bot's clock."""
    message = update.effective_message
    assert message is not None
    return _analyze(message, context.services.clock.today())


class _IntentFilter(filters.MessageFilter):
    def __init__(self, intents: tuple[str, ...]) -> None:
        super().__init__(name=f"intent({', '.join(intents)})")
        self.intents = intents

    def filter(self, message: Message) -> bool:
        if not message.text or message.text.startswith("/"):
            return False
        analysis = _analyze(message)
        return analysis.intent in self.intents and not analysis.unsure


def starts(*intents: str) -> filters.BaseFilter:
    """Text messages (not commands) confidently classified as one of ``intents``."""
    return filters.TEXT & ~filters.COMMAND & _IntentFilter(intents)
