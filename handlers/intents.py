"""Free text that starts a flow: a filter matching messages whose intent is one of a flow's.

Each flow adds ``MessageHandler(starts(intent), entry)`` to its entry points; the question answerer
(handlers/ask.py) takes the free text no flow wanted. The analysis is computed once per message.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import Application, filters

from bot.context import BotContext

_CACHE_SIZE = 256
# The running Application, whose analyzer and clock the filter uses (set by the wiring; one
# Application per process, the latest one in tests). Text typed inside a flow never reaches these
# filters: the conversation engine takes it first (handlers/flow, an earlier handler group).
_application: Application | None = None


def watch(application: Application) -> None:
    global _application
    _application = application


_cache: OrderedDict[tuple[int, int, int, str, date], object] = OrderedDict()


def clear_cache() -> None:
    """Forget every analysis (tests reuse message ids across Applications)."""
    _cache.clear()


def forget_chat(chat_id: int) -> None:
    """Forget the analyses of one chat's messages (its resident erased their data)."""
    for key in [key for key in _cache if key[1] == chat_id]:
        del _cache[key]


def _analyze(message: Message, today: date | None = None):  # -> bot.nlu.Analysis
    from bot.nlu import Analyzer

    if _application is not None:
        services = _application.bot_data.services
        analyzer, today = services.nlu, today or services.clock.today()
    else:
        analyzer, today = Analyzer.load(), today or date.today()
    # Message ids repeat across chats' histories and test runs: the text, the analyzer and the
    # day are part of the key.
    key = (id(analyzer), message.chat.id, message.message_id, message.text or "", today)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    analysis = analyzer.analyze(message.text or "", today=today)
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
        # Text that is no command, checked here rather than by composing filters.TEXT and
        # ~filters.COMMAND: every message passes this filter once per flow, and PTB's composed
        # filters cost several times more than the two tests.
        if not message.text or message.text.startswith("/"):
            return False
        if message.chat.type != ChatType.PRIVATE:
            # Flows started by a sentence ask for personal data: never in a group, where
            # handlers.private_chat offers the private chat instead (and the staff group's text is
            # staff replying to residents, not a request).
            return False
        analysis = _analyze(message)
        return analysis.intent in self.intents and not analysis.unsure


def starts(*intents: str) -> filters.BaseFilter:
    """Text messages (not commands) confidently classified as one of ``intents``."""
    return _IntentFilter(intents)
