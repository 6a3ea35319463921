"""Offline Indonesian NLU for the e-KTP assistant: intents, kecamatan, dates and school names.

Pure Python (standard library only). Typical use::

    from bot.nlu import Analyzer
    analyzer = Analyzer.load()
    a = analyzer.analyze("rekam ktp dmn ya kak", today=date.today())
    a.intent, a.confidence, a.unsure, a.kecamatan, a.date

Training examples live in ``bot/data/nlu/<lang>.toml`` (format documented at the top of those
files).
"""

from bot.nlu.analyzer import Analysis, Analyzer
from bot.nlu.dates import parse_date
from bot.nlu.intents import INTENTS, NluDataError
from bot.nlu.kecamatan import KecamatanMatch
from bot.nlu.schools import SchoolMatcher

__all__ = [
    "INTENTS",
    "Analysis",
    "Analyzer",
    "KecamatanMatch",
    "NluDataError",
    "SchoolMatcher",
    "parse_date",
]
