"""The conversation engine: one router for every flow's typed answers, buttons and locations.

The router runs before the feature handlers (``bot/app.py`` puts it in its own group). For a user
with an active flow it decides, in this order (design.md §7):

1. ``/batal``, "batal", "keluar" … leave the flow, saying what stays (rule 4); another command
   parks the flow (its draft stays for "Lanjutkan") and is handled as usual;
2. a flow idle longer than ``conversation.idle_minutes`` no longer captures anything: the message
   is handled fresh and the draft waits for the resident's return (rule 2);
3. "kembali" goes back; a button's label, its words ("selesai", "lewati", "ya") or its number
   press it (rule 3);
4. the step reads the text; what it refuses and the NLU confidently recognises as a question or
   another request is answered by the question answerer, never stored, and a "Lanjutkan" button
   returns to the step (rule 1).

Buttons carry the flow's name and the token of the step that showed them: a button of an earlier
step, another attempt or a forged one gets a clear answer and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.storage.flow_states import FlowState, FlowStateStore
from handlers.flow import drafts, words
from handlers.flow.model import (
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
)
from handlers.flow.turn import (
    BACK,
    FLOW_BUTTON,
    LEAVE,
    RESTART,
    RESUME,
    Turn,
    new_token,
)

log = logging.getLogger(__name__)

# The steps the engine itself shows: "continue where you were, or start again?".
RESUME_STEP = "_resume"

# Intents that are never an interruption: an unsure guess, a greeting that is only "ok".
_NOT_INTERRUPTIONS = frozenset({"lainnya"})

Answerer = Callable[[Update, BotContext], Awaitable[Any]]
PrivateRedirect = Callable[[Update, BotContext, str], Awaitable[Any]]


class Registry:
    """The flows of the running bot and the two hooks the wiring sets: who answers an
    interruption (the question answerer) and how a private flow answers in a group."""

    def __init__(self) -> None:
        self.flows: dict[str, Flow[Any]] = {}
        self.answerer: Answerer | None = None
        self.private_redirect: PrivateRedirect | None = None

    def add(self, flow: Flow[Any]) -> Flow[Any]:
        if flow.name in self.flows and self.flows[flow.name] is not flow:
            raise ValueError(f"two flows named {flow.name!r}")
        self.flows[flow.name] = flow
        return flow


REGISTRY = Registry()


def register(flow: Flow[Any]) -> Flow[Any]:
    """Make ``flow`` known to the router (each flow module registers its own)."""
    return REGISTRY.add(flow)


def store_of(context: BotContext) -> FlowStateStore:
    return context.services.flow_states


# --- entering a flow -----------------------------------------------------------------------------


async def start(
    update: Update,
    context: BotContext,
    flow: Flow[Any],
    draft: Any = None,
    *,
    step: str | None = None,
) -> None:
    """Open ``flow`` for the user. ``draft`` carries what the entry already knows (a place, a
    date, a school: rule 5); without it, a draft left earlier is offered to be continued."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if flow.private and chat.type != ChatType.PRIVATE:
        await _redirect_to_private(update, context, flow)
        return
    store = store_of(context)
    now = context.services.clock.epoch()
    earlier = await store.get(user.id, flow.name)
    if earlier is not None and _draft_expired(context, earlier, now):
        await store.delete(user.id, flow.name)
        earlier = None
    if (
        step is None
        and earlier is not None
        and _has_answers(flow, earlier)
        and (draft is None or _adds_nothing(flow, draft, earlier))
    ):
        await _offer_resume(update, context, flow, earlier.but(chat_id=chat.id))
        return
    state = FlowState(
        user_id=user.id,
        flow=flow.name,
        chat_id=chat.id,
        step="",
        token=new_token(),
        draft={},
        touched_at=now,
    )
    turn = Turn(update, context, flow, draft if draft is not None else flow.draft(), state)
    await _goto(turn, step or await flow.first(turn), remember=False)


async def resume(update: Update, context: BotContext, flow: Flow[Any]) -> bool:
    """Continue the user's draft of ``flow`` at its step; False when there is none."""
    user = update.effective_user
    if user is None:
        return False
    state = await store_of(context).get(user.id, flow.name)
    if state is None or _draft_expired(context, state, context.services.clock.epoch()):
        return False
    turn = _turn(update, context, flow, state)
    await _continue(turn)
    return True


def _has_answers(flow: Flow[Any], state: FlowState) -> bool:
    """Whether a draft holds anything worth offering to continue (not just an opened flow)."""
    return state.step != RESUME_STEP and state.draft != drafts.encode(flow.draft())


async def close(update: Update, context: BotContext, flow: Flow[Any]) -> None:
    """End ``flow`` for the user from outside its steps (a stateless view's "Done" button)."""
    user = update.effective_user
    if user is not None:
        await store_of(context).delete(user.id, flow.name)


def _adds_nothing(flow: Flow[Any], draft: Any, earlier: FlowState) -> bool:
    """Whether an entry's preset draft is blank (it carries no context): then a draft left
    earlier is offered to continue. A preset with something in it is what the resident asked for
    now (a place, a school typed after the command) and starts afresh."""
    return bool(drafts.encode(draft) == drafts.encode(flow.draft()))


async def _offer_resume(
    update: Update, context: BotContext, flow: Flow[Any], earlier: FlowState
) -> None:
    """The flow was left half-way: continue with what was filled, or start again."""
    turn = _turn(update, context, flow, earlier)
    turn.history.append(earlier.step)
    turn.step = RESUME_STEP
    await _ask_resume(turn)


async def _ask_resume(turn: Turn[Any]) -> None:
    turn.token = new_token()
    turn.buttons = []
    _ = turn._
    await _save(turn, active=True)
    await turn.ask(
        _("You started this earlier: {title}. Continue where you were, or start again?").format(
            title=turn.flow.title(turn.t)
        ),
        [
            [Button(_("▶️ Continue"), RESUME, words=words.RESUME)],
            [Button(_("🔄 Start again"), RESTART, words=words.RESTART)],
        ],
        nav=False,
    )
    await _save(turn, active=True)


# --- the router ----------------------------------------------------------------------------------


async def route(update: Update, context: BotContext) -> None:
    """Give the update to the user's flow when it belongs there (see the module docstring)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot:
        return
    store = store_of(context)
    if update.callback_query is not None:
        await _route_button(update, context, user.id)
        return
    message = update.message
    if message is None:
        return
    state = await store.active(user.id)
    if state is None or state.chat_id != chat.id:
        return
    flow = REGISTRY.flows.get(state.flow)
    if flow is None:  # a flow that no longer exists after a deploy
        await store.delete(user.id, state.flow)
        return
    now = context.services.clock.epoch()
    if now - state.touched_at > context.services.config.conversation.idle_minutes * 60:
        await store.park(user.id)
        return
    text = message.text
    if text is not None and text.startswith("/"):
        command = text.split()[0].split("@")[0].casefold()
        if command in ("/batal", "/cancel"):
            await _leave(_turn(update, context, flow, state))
            raise ApplicationHandlerStop
        await store.park(user.id)  # another command: answered as usual, the draft stays
        return
    step = flow.steps.get(state.step)
    if step is not None and step.takes and not step.takes(_draft(flow, state), message):
        return  # not for the flow: the group's other handlers see it
    turn = _turn(update, context, flow, state)
    if turn.step == RESUME_STEP and message.location is not None:
        # A shared location at "continue where you were?": a new message (the nearest places);
        # the draft waits.
        await store.park(user.id)
        return
    await _route_message(turn, message)


async def _route_button(update: Update, context: BotContext, user_id: int) -> None:
    """An engine button goes to its flow (and stops there); any other button (the menu, an
    answer's "where to record"…) takes the resident elsewhere: what they type next is for that,
    not for this flow's step."""
    query = update.callback_query
    assert query is not None
    if FLOW_BUTTON.matches(query.data):
        await _on_button(update, context)
        raise ApplicationHandlerStop
    store = store_of(context)
    active = await store.active(user_id)
    if active is not None and not _own_button(active.flow, query.data):
        await store.park(user_id)


async def _route_message(turn: Turn[Any], message: Message) -> None:
    """A message the flow takes: text, a location its step reads, or anything else (asked
    again). Stops the update: nothing else answers it."""
    text = message.text
    if text is None and turn.step == RESUME_STEP:
        # A photo or sticker at the "continue?" question, which is no step to show again: the
        # question and its buttons stay where they are.
        await turn.say(turn._("Please answer with text or use the buttons."))
    elif text is not None:
        await _on_text(turn, text)
    elif message.location is not None and _step(turn).location is not None:
        location = _step(turn).location
        assert location is not None
        await _apply(turn, await location(turn, message.location))
    else:
        await turn.say(turn._("Please answer with text or use the buttons."))
        await _show(turn)
    raise ApplicationHandlerStop


def _own_button(flow_name: str, data: str | None) -> bool:
    flow = REGISTRY.flows.get(flow_name)
    return flow is not None and any(codec.matches(data) for codec in flow.own_buttons)


async def _on_text(turn: Turn[Any], text: str) -> None:
    if words.is_in(text, words.LEAVE):
        await _leave(turn)
        return
    if words.is_in(text, words.BACK) and _back_target(turn) is not None:
        await _back(turn)
        return
    if turn.step == RESUME_STEP:
        await _on_text_at_resume(turn, text)
        return
    step = _step(turn)
    pressed = turn.typed_button(text, by_number=False)
    if pressed is not None:
        await _press(turn, *pressed)
        return
    if step.read is not None and step.guard == "always" and _interrupts(turn, step.own_intents):
        await _interrupt(turn)
        return
    if step.read is None:
        pressed = turn.typed_button(text, by_number=True)
        if pressed is not None:
            await _press(turn, *pressed)
        elif _interrupts(turn, step.own_intents):
            await _interrupt(turn)
        else:
            await turn.say(
                turn._("Please choose one of the buttons (you can also type its number).")
            )
            await _show(turn)
        return
    before = drafts.encode(turn.draft)
    result = await step.read(turn, text)
    if isinstance(result, Invalid):
        turn.draft = drafts.decode(turn.flow.draft, before)  # nothing of it is kept
        pressed = turn.typed_button(text, by_number=True)
        if pressed is not None:
            await _press(turn, *pressed)
        elif _interrupts(turn, step.own_intents):
            # The step's own hint too: the NLU may have misread an answer the step refused.
            await _interrupt(turn, hint=result.hint)
        else:
            await turn.say(result.text)
            await _show(turn)
        return
    await _apply(turn, result)


def _interrupts(turn: Turn[Any], own: frozenset[str]) -> bool:
    """Whether the typed text is, with confidence, a question or another request."""
    from handlers.intents import analysis_of

    analysis = analysis_of(turn.update, turn.context)
    return not (analysis.unsure or analysis.intent in _NOT_INTERRUPTIONS or analysis.intent in own)


async def _interrupt(turn: Turn[Any], hint: str = "") -> None:
    """Answer the question (nothing is stored), then offer to continue the step (rule 1)."""
    await _answer_elsewhere(turn)
    _ = turn._
    label = _("▶️ Continue: {title}").format(title=turn.flow.title(turn.t))
    markup = turn.keyboard([[Button(label, RESUME, words=words.RESUME)]], nav=False)
    # keyboard() recorded only the offer: the step's own buttons stay typeable too.
    turn.buttons = [*turn.state.buttons, *turn.buttons]
    kept = _("Your answers so far are kept. Tap below to continue, or just type your answer.")
    await turn.say(f"{hint}\n\n{kept}" if hint else kept, markup)
    await _save(turn, active=True)


async def _on_text_at_resume(turn: Turn[Any], text: str) -> None:
    """Text at the "continue or start again?" question. A typed button is pressed. An answer to
    the step the resident stopped at continues there; an answer to the flow's first step (the
    kecamatan typed after /daftar) starts again with it. A question is answered, then one tap
    (or the answer typed) continues (rule 1); anything else asks again, so nothing the resident
    typed is lost silently."""
    pressed = turn.typed_button(text, by_number=True)
    if pressed is not None:
        await _press(turn, *pressed)
    elif await _answers_a_step(turn, text):
        return
    elif _interrupts(turn, frozenset()):
        # Answered like a question at the step (rule 1): one tap, or the answer typed next,
        # continues where the resident was.
        turn.step = turn.history.pop() if turn.history else await turn.flow.first(turn)
        await _interrupt(turn)
    else:
        await turn.say(turn._("Please tap ▶️ Continue or 🔄 Start again (or type your answer)."))
        await _ask_resume(turn)


async def _answers_a_step(turn: Turn[Any], text: str) -> bool:
    """Read ``text`` at the step the draft stopped at, then at the first step of a fresh draft;
    the first that takes it goes on from there. A refusal keeps nothing."""
    stopped, history, draft = turn.history[:-1], turn.history, turn.draft
    attempts = []
    if history and history[-1] in turn.flow.steps:
        attempts.append((stopped, history[-1], draft))
    fresh = turn.flow.draft()
    turn.draft, turn.history = fresh, []
    attempts.append(([], await turn.flow.first(turn), fresh))
    for earlier, step_name, start in attempts:
        step = turn.flow.steps[step_name]
        read = step.read
        if read is None or (step.guard == "always" and _interrupts(turn, step.own_intents)):
            continue  # a free-text step takes no question as its answer (rule 1)
        turn.history, turn.step = list(earlier), step_name
        turn.draft = drafts.decode(turn.flow.draft, drafts.encode(start))
        result = await read(turn, text)
        if not isinstance(result, Invalid):
            await _apply(turn, result)
            return True
    turn.step, turn.history, turn.draft = RESUME_STEP, history, draft
    return False


async def _answer_elsewhere(turn: Turn[Any]) -> None:
    if REGISTRY.answerer is not None:
        await REGISTRY.answerer(turn.update, turn.context)


# --- buttons -------------------------------------------------------------------------------------


async def _on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    _ = context.t.gettext
    data = FLOW_BUTTON.unpack(query.data)
    flow = REGISTRY.flows.get(data["flow"])
    state = await store_of(context).get(update.effective_user.id, data["flow"])
    now = context.services.clock.epoch()
    if flow is None or state is None or _draft_expired(context, state, now):
        await _stale(update, _("This conversation has ended. Type /start to begin again."))
        return
    chat = update.effective_chat
    if chat is None or chat.id != state.chat_id or data["tok"] != state.token:
        await _stale(
            update, _("That button belongs to an earlier step; please answer the last question.")
        )
        return
    turn = _turn(update, context, flow, state)
    await _press(turn, data["act"], data["val"])


async def _stale(update: Update, text: str) -> None:
    query = update.callback_query
    if query is None:
        return
    from handlers.common import answer

    await answer(query, text, alert=True)


async def _press(turn: Turn[Any], action: str, value: str) -> None:
    if action == LEAVE:
        await turn.toast()
        await _leave(turn)
        return
    if action == BACK:
        await turn.toast()
        await turn.close_pressed()
        await _back(turn)
        return
    if action == RESUME:
        await turn.toast()
        await turn.close_pressed()
        await _continue(turn)
        return
    if action == RESTART:
        await turn.toast()
        await turn.close_pressed()
        turn.draft = turn.flow.draft()
        turn.history = []
        await _goto(turn, await turn.flow.first(turn), remember=False)
        return
    step = None if turn.step == RESUME_STEP else _step(turn)
    if step is None or step.press is None:
        await turn.toast(
            turn._("That button belongs to an earlier step; please answer the last question."),
            alert=True,
        )
        return
    result = await step.press(turn, action, value)
    if not isinstance(result, Stay | Invalid):
        await turn.toast()
        await turn.close_pressed()
    await _apply(turn, result)


# --- moving --------------------------------------------------------------------------------------


async def _apply(turn: Turn[Any], result: Result) -> None:
    if isinstance(result, Next):
        await _goto(turn, await turn.flow.first(turn))
    elif isinstance(result, Goto):
        await _goto(turn, result.step)
    elif isinstance(result, Reask):
        await _show(turn)
    elif isinstance(result, Stay):
        await _save(turn, active=True)
    elif isinstance(result, Invalid):
        await turn.toast(result.text, alert=True)
        await _save(turn, active=True)
    elif isinstance(result, Finish):
        await store_of(turn.context).delete(turn.user_id, turn.flow.name)
    elif isinstance(result, Leave):
        await _leave(turn)


async def _goto(turn: Turn[Any], step: str, *, remember: bool = True) -> None:
    if step not in turn.flow.steps:
        raise KeyError(f"{turn.flow.name}: no step {step!r}")
    if remember and turn.step and turn.step != step and turn.step != RESUME_STEP:
        turn.history.append(turn.step)
    turn.step = step
    await _show(turn)


async def _show(turn: Turn[Any]) -> None:
    """Show the current step with a fresh token: the buttons of what was shown before are stale.
    The state (the token, the question's buttons) is written just before the question is sent,
    so a crash in between never leaves the resident with buttons the bot would not know; it is
    written again after showing only if the step changed it since, or asked nothing."""
    turn.token = new_token()
    turn.buttons = []
    saved: list[tuple[object, ...]] = []

    async def save_before_question() -> None:
        await _save(turn, active=True)
        saved.append(_fingerprint(turn))

    turn.before_ask = save_before_question
    try:
        await _step(turn).show(turn)
    finally:
        turn.before_ask = None
    if not saved or saved[-1] != _fingerprint(turn):
        await _save(turn, active=True)


def _fingerprint(turn: Turn[Any]) -> tuple[object, ...]:
    """What ``_save`` writes of a turn, but the time."""
    return (
        turn.step,
        turn.token,
        drafts.encode(turn.draft),
        tuple(turn.buttons),
        tuple(turn.history[-20:]),
        turn.update.effective_chat.id if turn.update.effective_chat else None,
    )


async def _continue(turn: Turn[Any]) -> None:
    """Back to the step the resident was at (after an interruption or a "continue?" offer)."""
    if turn.step == RESUME_STEP:
        turn.step = turn.history.pop() if turn.history else await turn.flow.first(turn)
    if turn.step not in turn.flow.steps:
        turn.step = await turn.flow.first(turn)
    await _show(turn)


def _back_target(turn: Turn[Any]) -> str | None:
    if turn.step == RESUME_STEP:
        return None
    step = _step(turn)
    if not step.can_go_back:
        return None
    if step.back:
        return step.back
    return turn.history[-1] if turn.history else None


async def _back(turn: Turn[Any]) -> None:
    target = _back_target(turn)
    if target is None:
        await _show(turn)
        return
    if turn.history and turn.history[-1] == target:
        turn.history.pop()
    else:
        # An explicit target: forget the steps shown since it was.
        while turn.history and turn.history.pop() != target:
            pass
    turn.step = target
    await _show(turn)


async def _leave(turn: Turn[Any]) -> None:
    """Leave the flow and say what stays and what does not (rule 4)."""
    from handlers.keyboards import main_menu

    _ = turn._
    await turn.close_pressed()
    if turn.flow.leave is not None:
        text = await turn.flow.leave(turn)
    else:
        text = _("Stopped; nothing was saved.")
    await store_of(turn.context).delete(turn.user_id, turn.flow.name)
    if text is None:
        # The flow said it itself (with a keyboard of its own, e.g. one that removes a reply
        # keyboard): the menu follows in a message of its own.
        text = _("What would you like to do?")
    chat = turn.update.effective_chat
    private = chat is not None and chat.type == ChatType.PRIVATE
    await turn.say(text, main_menu(turn.t) if private else None)  # no menu in a staff group


# --- state ---------------------------------------------------------------------------------------


def _turn(update: Update, context: BotContext, flow: Flow[Any], state: FlowState) -> Turn[Any]:
    return Turn(update, context, flow, _draft(flow, state), state)


def _draft(flow: Flow[Any], state: FlowState) -> Any:
    return drafts.decode(flow.draft, state.draft)


def _step(turn: Turn[Any]) -> Any:
    if turn.step == RESUME_STEP:
        raise LookupError("the resume question has no flow step")
    return turn.flow.steps[turn.step]


async def _save(turn: Turn[Any], *, active: bool) -> None:
    chat = turn.update.effective_chat
    state = turn.state.but(
        chat_id=chat.id if chat else turn.state.chat_id,
        step=turn.step,
        token=turn.token,
        draft=drafts.encode(turn.draft),
        buttons=tuple(turn.buttons),
        history=tuple(turn.history[-20:]),
        active=active,
        touched_at=turn.context.services.clock.epoch(),
    )
    turn.state = state
    await store_of(turn.context).save(state)


def _draft_expired(context: BotContext, state: FlowState, now: int) -> bool:
    return now - state.touched_at > context.services.config.conversation.draft_hours * 3600


async def _redirect_to_private(update: Update, context: BotContext, flow: Flow[Any]) -> None:
    if REGISTRY.private_redirect is not None:
        await REGISTRY.private_redirect(update, context, flow.name)
        return
    from handlers.common import reply

    await reply(update, context, context.t.gettext("Please continue in a private chat with me."))


async def expire_drafts(context: BotContext | Any) -> None:
    """Job: drafts older than ``conversation.draft_hours`` are gone (they hold personal data)."""
    services = context.application.bot_data.services
    hours = services.config.conversation.draft_hours
    await services.flow_states.delete_older_than(services.clock.epoch() - hours * 3600)


__all__ = [
    "REGISTRY",
    "RESUME_STEP",
    "Answerer",
    "close",
    "expire_drafts",
    "register",
    "resume",
    "route",
    "start",
]
