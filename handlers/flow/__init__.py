"""The conversation engine every multi-step flow runs on (design.md §3 and §7).

A flow module declares a typed draft and its steps and registers the flow::

    FLOW = register(Flow(name="visit", draft=VisitDraft, steps=STEPS, first=first_missing,
                         title=lambda t: t.gettext("home visit request"), leave=on_leave))

and its entry points call ``await start(update, context, FLOW, VisitDraft(kecamatan=...))``.
CONTRIBUTING.md walks through a complete example.
"""

from handlers.flow import words
from handlers.flow.engine import (
    REGISTRY,
    RESUME_STEP,
    close,
    expire_drafts,
    register,
    resume,
    route,
    start,
)
from handlers.flow.model import (
    FINISH,
    LEAVE,
    NEXT,
    REASK,
    STAY,
    Button,
    Finish,
    Flow,
    Goto,
    Invalid,
    Leave,
    Next,
    Reask,
    Result,
    Stay,
    Step,
)
from handlers.flow.turn import FLOW_BUTTON, Turn

__all__ = [
    "FINISH",
    "FLOW_BUTTON",
    "LEAVE",
    "NEXT",
    "REASK",
    "REGISTRY",
    "RESUME_STEP",
    "STAY",
    "Button",
    "Finish",
    "Flow",
    "Goto",
    "Invalid",
    "Leave",
    "Next",
    "Reask",
    "Result",
    "Stay",
    "Step",
    "Turn",
    "close",
    "expire_drafts",
    "register",
    "resume",
    "route",
    "start",
    "words",
]
