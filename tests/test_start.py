"""The front door: greeting, menu, help, language, stale buttons, errors."""

from tests.conftest import texts


async def test_start_greets_in_indonesian_with_the_menu(chat):
    messages = await chat.send("/start")
    assert len(messages) == 1
    greeting = messages[0]
    assert "Halo, Siti" in greeting.plain_text()
    assert "gratis" in greeting.plain_text()
    labels = greeting.button_labels
    assert len(labels) == 7
    assert any("Daftar" in label for label in labels)
    assert any("Bahasa" in label for label in labels)


async def test_telegram_language_is_used_when_nothing_is_stored(make_chat):
    chat = make_chat(language_code="en")
    messages = await chat.send("/start")
    assert "Hello, Siti" in messages[0].plain_text()
    assert any("Book a slot" in label for label in messages[0].button_labels)


async def test_unsupported_telegram_language_falls_back_to_indonesian(make_chat):
    chat = make_chat(language_code="fr")
    messages = await chat.send("/start")
    assert "Halo" in messages[0].plain_text()


async def test_bahasa_switches_to_english_and_is_remembered(chat, services):
    await chat.send("/start")
    offer = await chat.send("/bahasa")
    assert offer[0].button_labels == ["🇮🇩 Bahasa Indonesia", "🇬🇧 English"]
    switched = await chat.press("English")
    assert "Language set to English" in texts(switched)
    assert any("Book a slot" in label for label in chat.last.button_labels)
    assert await services.users.language(chat.user["id"]) == "en"
    again = await chat.send("/start")
    assert "Hello" in again[0].plain_text()
    back = await chat.send("/bahasa id")
    assert "Bahasa diatur ke Bahasa Indonesia" in texts(back)


async def test_language_button_in_the_menu(chat):
    await chat.send("/start")
    messages = await chat.press("Bahasa")
    assert "Choose a language" in texts(messages)


async def test_help_lists_the_commands(chat):
    messages = await chat.send("/bantuan")
    text = texts(messages)
    for command in ("/daftar", "/saya", "/sekolah", "/rumah", "/lapor", "/tanya", "/batal"):
        assert command in text


async def test_forged_button_gets_a_polite_answer(chat, api):
    await chat.send("/start")
    await chat.press_data("xx:forged:1")
    assert api.callback_answers[-1]["text"].startswith("Tombol ini sudah tidak aktif")


async def test_commands_are_registered_per_language(app, api):
    assert {"id", "en", ""} <= set(api.commands)
    english = {c["command"]: c["description"] for c in api.commands["en"]}
    indonesian = {c["command"]: c["description"] for c in api.commands["id"]}
    assert english["daftar"] == "Book a recording slot"
    assert indonesian["daftar"] != english["daftar"]


async def test_error_handler_apologises_in_the_users_language(services, api):
    import handlers.errors
    from bot.chatdriver import ChatDriver
    from bot.runtime import running_application

    async with running_application(services, request=api, with_updater=False, jobs=False) as app:

        async def broken(update, context):
            raise RuntimeError("NIK 3603123456780001 leaked?")

        from telegram.ext import CommandHandler

        app.add_handler(CommandHandler("rusak", broken), group=-5)
        assert handlers.errors.on_error in app.error_handlers
        chat = ChatDriver(app, api, 4242, language_code="id")
        messages = await chat.send("/rusak")
        assert "Maaf, terjadi kesalahan" in texts(messages)


async def test_a_command_elsewhere_leaves_an_abandoned_flow(chat):
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    prompt = await chat.press("08.00–09.00")
    assert "siapa yang akan merekam" in texts(prompt)
    # Walks away from the booking at the name step, asks where to record instead, then types a
    # question: it is answered, not taken as the name of the person to record.
    await chat.send("/lokasi pondok aren")
    messages = await chat.send("biaya rekam ktp berapa?")
    assert "gratis" in texts(messages).lower()


async def test_the_flows_own_commands_stay_inside_it(chat):
    await chat.send("/daftar")
    messages = await chat.send("/batal")
    assert messages  # the booking flow answers its own /batal
