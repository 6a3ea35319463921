"""The conversation engine (handlers/flow) on a small flow of its own, through the real
Application: typed equivalents, back, leave, stale buttons, interruptions, expiry and resume,
persistence across a restart of the Application. Each real flow is tested on the same rules in
tests/test_flow_rules.py."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from telegram.ext import ApplicationHandlerStop, CommandHandler

from handlers.flow import (
    FINISH,
    NEXT,
    STAY,
    Button,
    Flow,
    Invalid,
    Step,
    Turn,
    register,
    start,
    words,
)
from handlers.flow.engine import REGISTRY
from tests.conftest import texts


@dataclass
class PetDraft:
    name: str | None = None
    colour: str | None = None
    toys: list[str] | None = None
    done: bool = False


async def show_name(turn: Turn[PetDraft]) -> None:
    await turn.ask("What is the pet's name?")


async def read_name(turn: Turn[PetDraft], text: str):
    if not text.replace(" ", "").isalpha() or len(text.split()) > 4:
        return Invalid("A name has letters only.")
    turn.draft.name = text.strip().title()
    return NEXT


async def show_colour(turn: Turn[PetDraft]) -> None:
    await turn.ask(
        f"Which colour is {turn.draft.name}?",
        [[Button("⚫ Black", "c", "black"), Button("⚪ White", "c", "white")]],
    )


async def press_colour(turn: Turn[PetDraft], action: str, value: str):
    turn.draft.colour = value
    return NEXT


async def show_toys(turn: Turn[PetDraft]) -> None:
    chosen = turn.draft.toys or []
    await turn.ask(
        "Toys? Tick and press Done.",
        [
            [Button(("✅ " if t in chosen else "") + t.title(), "t", t) for t in ("ball", "rope")],
            [Button("Done", "done", words=words.DONE)],
        ],
        edit=bool(turn.update.callback_query),
    )


async def press_toys(turn: Turn[PetDraft], action: str, value: str):
    if action == "done":
        turn.draft.done = True
        return NEXT
    toys = set(turn.draft.toys or [])
    toys ^= {value}
    turn.draft.toys = sorted(toys)
    await show_toys(turn)
    return STAY


async def show_confirm(turn: Turn[PetDraft]) -> None:
    toys = ", ".join(turn.draft.toys or []) or "none"
    await turn.ask(f"{turn.draft.name}, {turn.draft.colour}, toys: {toys}.")


async def first(turn: Turn[PetDraft]) -> str:
    if not turn.draft.name:
        return "name"
    if not turn.draft.colour:
        return "colour"
    if not turn.draft.done:
        return "toys"
    return "confirm"


async def leave_text(turn: Turn[PetDraft]) -> str:
    return "Left; no pet was saved."


PETS = Flow(
    name="pets",
    draft=PetDraft,
    steps={
        "name": Step(show_name, read=read_name, guard="always"),
        "colour": Step(show_colour, press=press_colour),
        "toys": Step(show_toys, press=press_toys),
        "confirm": Step(show_confirm),
    },
    first=first,
    title=lambda t: "pet registration",
    leave=leave_text,
    private=False,
)


@pytest.fixture
def pets(app):
    register(PETS)

    async def entry(update, context):
        await start(update, context, PETS)
        raise ApplicationHandlerStop  # the test's own command: no "unknown command" after it

    # After the engine's router (group -6), as every flow's entry points are.
    app.add_handler(CommandHandler("pet", entry), group=-4)
    yield
    REGISTRY.flows.pop("pets", None)


async def test_typed_label_number_and_words_press_buttons(chat, pets):
    await chat.send("/pet")
    assert "Which colour is Rex" in texts(await chat.send("rex"))
    assert "Toys?" in texts(await chat.send("white"))  # the label, without its emoji
    await chat.press("Ball")
    assert "✅ Ball" in chat.last_with_buttons().button_labels
    assert "Rex, white, toys: ball." in texts(await chat.send("selesai"))


async def test_number_presses_a_button_and_back_returns(chat, pets):
    await chat.send("/pet")
    await chat.send("Rex")
    assert "Toys?" in texts(await chat.send("1"))
    assert "Which colour" in texts(await chat.send("kembali"))
    assert "Toys?" in texts(await chat.press("White"))


async def test_a_question_at_a_name_step_is_answered_not_stored(chat, pets, services):
    await chat.send("/pet")
    answer = await chat.send("syaratnya apa aja?")
    seen = texts(answer)
    assert "Kartu Keluarga" in seen or "KK" in seen
    assert any(label.endswith(": pet registration") for label in answer[-1].button_labels)
    state = await services.flow_states.get(chat.chat_id, "pets")
    assert state is not None and state.draft.get("name") is None
    assert "What is the pet's name?" in texts(await chat.press(1))
    assert "Which colour is Rex" in texts(await chat.send("Rex"))


async def test_leave_is_honest_and_old_buttons_are_stale(chat, pets, api):
    await chat.send("/pet")
    colour = await chat.send("Rex")
    assert "Left; no pet was saved." in texts(await chat.send("batal"))
    stale = await chat.press("Black", colour[-1])
    assert not any("Toys?" in m.plain_text() for m in stale)
    assert "sudah selesai" in api.callback_answers[-1]["text"]


async def test_idle_flow_stops_capturing_and_resumes(chat, pets, clock, services):
    await chat.send("/pet")
    await chat.send("Rex")
    clock.advance(minutes=31)
    fresh = await chat.send("white")
    assert "Toys?" not in texts(fresh)
    offer = await chat.send("/pet")
    assert "pet registration" in texts(offer)
    assert "Which colour is Rex" in texts(await chat.send("lanjutkan"))


async def test_an_old_draft_expires(chat, pets, clock):
    await chat.send("/pet")
    await chat.send("Rex")
    clock.advance(hours=25)
    assert "What is the pet's name?" in texts(await chat.send("/pet"))


# --- a refused answer that the NLU takes for a question ----------------------------------------


async def show_age(turn: Turn[PetDraft]) -> None:
    await turn.ask("How old is the pet?")


async def read_age(turn: Turn[PetDraft], text: str):
    hint = "An age is a number of years."
    return NEXT if text.strip().isdigit() else Invalid(hint, hint=hint)


AGES = Flow(
    name="pet_ages",
    draft=PetDraft,
    steps={"age": Step(show_age, read=read_age)},
    first=lambda turn: _first_age(),
    title=lambda t: "pet age",
    private=False,
)


async def _first_age() -> str:
    return "age"


async def test_an_interruption_keeps_the_refusing_steps_hint(chat, app):
    register(AGES)

    async def entry(update, context):
        await start(update, context, AGES)
        raise ApplicationHandlerStop

    app.add_handler(CommandHandler("age", entry), group=-4)
    try:
        await chat.send("/age")
        answer = await chat.send("syaratnya apa aja?")
        # Answered as the question it looks like, and told what the step wanted in case the
        # NLU misread an answer.
        assert "Kartu Keluarga" in texts(answer) or "KK" in texts(answer)
        assert "An age is a number of years." in answer[-1].plain_text()
    finally:
        REGISTRY.flows.pop("pet_ages", None)


# --- a step that takes only some messages (a staff group talks on) ------------------------------


async def show_reply_prompt(turn: Turn[PetDraft]) -> None:
    await turn.ask("Reply to this message with the pet's name.")


async def read_reply_name(turn: Turn[PetDraft], text: str):
    turn.draft.name = text
    await turn.say(f"Noted: {text}.")
    return FINISH


REPLIES = Flow(
    name="pet_replies",
    draft=PetDraft,
    steps={
        "name": Step(
            show_reply_prompt,
            read=read_reply_name,
            takes=lambda draft, message: message.reply_to_message is not None,
        )
    },
    first=lambda turn: _first_name(),
    title=lambda t: "pet name by reply",
    private=False,
)


async def _first_name() -> str:
    return "name"


async def test_a_step_takes_only_the_messages_it_wants(chat, app, services):
    register(REPLIES)

    async def entry(update, context):
        await start(update, context, REPLIES)
        raise ApplicationHandlerStop

    app.add_handler(CommandHandler("petreply", entry), group=-4)
    try:
        prompt = await chat.send("/petreply")
        passed_on = await chat.send("Rex")  # not a reply: the rest of the bot answers it
        assert "Noted" not in texts(passed_on)
        state = await services.flow_states.get(chat.chat_id, "pet_replies")
        assert state is not None and state.draft.get("name") is None
        assert "Noted: Rex." in texts(await chat.send("Rex", reply_to=prompt[-1]))
    finally:
        REGISTRY.flows.pop("pet_replies", None)


def test_a_minus_sign_is_kept_when_typed_words_are_normalised():
    from handlers.flow import words

    # "−5" (U+2212) typed at a step with a "5" button must reach the step's reader, not press 5.
    assert words.normalize("−5") == "-5"
    assert words.normalize("◀️ Kembali!") == "kembali"


async def test_a_leave_that_speaks_for_itself_is_followed_by_the_menu_only(chat, pets):
    """``Flow.leave`` may say its text itself (with a keyboard of its own) and return None."""

    async def say_it(turn: Turn[PetDraft]) -> None:
        await turn.say("Left in my own words.")

    REGISTRY.flows["pets"] = quiet = Flow(
        name="pets",
        draft=PetDraft,
        steps=PETS.steps,
        first=first,
        title=PETS.title,
        leave=say_it,
        private=False,
    )
    assert quiet.leave is say_it
    await chat.send("/pet")
    left = await chat.send("keluar")
    assert [m.plain_text() for m in left][:1] == ["Left in my own words."]
    assert "Left; no pet was saved." not in texts(left)
    assert left[-1].button_labels  # the main menu follows


async def test_a_location_at_the_continue_question_is_a_new_message(chat, pets, clock, services):
    """Found by the booking fuzz walk: anything but text at "continue where you were?" used to
    crash the router; it is handled as a new message and the draft waits."""
    await chat.send("/pet")
    await chat.send("Rex")
    clock.advance(minutes=31)
    await chat.send("/pet")  # the "continue?" question
    await chat.share_location(-6.2717, 106.7021)
    state = await services.flow_states.get(chat.chat_id, "pets")
    assert state is not None and not state.active and state.draft["name"] == "Rex"
