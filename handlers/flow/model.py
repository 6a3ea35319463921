"""What a flow declares: its steps, their buttons, and what a step's handler returns.

A flow is a typed draft (a dataclass) and named steps. Each step shows itself (``show``), and may
read typed input (``read``), button presses (``press``) and a shared location (``location``).
Handlers change the draft and return what happens next; the engine (``handlers.flow.engine``) does
the rest for every flow alike: buttons and their typed equivalents, back, leave, stale buttons,
interruptions, expiry and resume, persistence.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from telegram import Location, Message

from bot.callbacks import CallbackCodec
from bot.i18n import Translator

if TYPE_CHECKING:
    from handlers.flow.turn import Turn

D = TypeVar("D")


@dataclass(frozen=True, slots=True)
class Button:
    """An in-flow button: ``action`` and ``value`` reach the step's ``press``; ``words`` are typed
    equivalents besides the label and the button's number (see ``handlers.flow.words``)."""

    label: str
    action: str
    value: str = ""
    words: frozenset[str] = frozenset()


# --- what a step handler returns ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Next:
    """Go to the flow's first step that still lacks an answer (``Flow.first``)."""


@dataclass(frozen=True, slots=True)
class Goto:
    step: str


@dataclass(frozen=True, slots=True)
class Stay:
    """The step is still current and has shown what it needed (a ticked box, a toast)."""


@dataclass(frozen=True, slots=True)
class Reask:
    """Show the current step again (its buttons anew)."""


@dataclass(frozen=True, slots=True)
class Invalid:
    """Typed input that is not this step's answer; ``text`` says why. Nothing of it is kept:
    when the NLU recognises a question or another request, the engine answers that instead, and
    then repeats ``hint`` (what the step wants, in case the NLU misread a real answer). ``text``
    itself is not repeated then: "no school called 'petugas minta uang'" would be nonsense."""

    text: str
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Finish:
    """The flow is done; its draft is forgotten. The handler has already said the result."""


@dataclass(frozen=True, slots=True)
class Leave:
    """Leave the flow as ✖️ would: the flow's ``leave`` text says what stays."""


Result = Next | Goto | Stay | Reask | Invalid | Finish | Leave

NEXT = Next()
STAY = Stay()
REASK = Reask()
FINISH = Finish()
LEAVE = Leave()


# --- declarations -------------------------------------------------------------------------------

Show = Callable[["Turn[Any]"], Awaitable[None]]
Read = Callable[["Turn[Any]", str], Awaitable[Result]]
Press = Callable[["Turn[Any]", str, str], Awaitable[Result]]
Place = Callable[["Turn[Any]", Location], Awaitable[Result]]


@dataclass(frozen=True)
class Step:
    """One question of a flow.

    ``guard`` decides when typed input may be an interruption (design.md §7 rule 1):
    ``"invalid"`` (default) only when ``read`` refuses it; ``"always"`` also when it would parse
    (free text such as a name: "syaratnya apa?" is no name) unless its intent is one of
    ``own_intents`` (an address may name a kecamatan without being a question about places).
    ``back`` names the step ◀️ returns to; by default the step shown before this one.
    ``takes`` decides which messages are for this step at all (by the draft and the message):
    the others pass on to the rest of the bot, e.g. in a staff group only a reply to the step's
    prompt is the member's answer, while the group talks on.
    """

    show: Show
    read: Read | None = None
    press: Press | None = None
    location: Place | None = None
    guard: Literal["invalid", "always"] = "invalid"
    own_intents: frozenset[str] = frozenset()
    back: str | None = None
    can_go_back: bool = True
    takes: Callable[[Any, Message], bool] | None = None


@dataclass(frozen=True)
class Flow(Generic[D]):
    """A multi-step conversation.

    ``first`` returns the first step whose answer the draft still lacks: a flow opened with some
    answers already known (a place, a date) starts after them, and a resumed one where it was.
    ``leave`` says, on leaving, what stays and what does not (design.md §7 rule 4): it returns the
    text, or None when it has said it itself (the engine then only shows the menu).
    ``private``: the flow asks for or shows personal data, so it runs in private chats only.
    """

    name: str
    draft: type[D]
    steps: Mapping[str, Step]
    first: Callable[[Turn[D]], Awaitable[str]]
    title: Callable[[Translator], str]
    leave: Callable[[Turn[D]], Awaitable[str | None]] | None = None
    private: bool = True
    # Buttons of the flow's own screen that live outside the engine (a stateless view's): they
    # keep the flow open, where any other button leaves it for what that button opens.
    own_buttons: tuple[CallbackCodec, ...] = ()
