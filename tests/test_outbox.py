"""The outbox dispatcher: due times, quiet hours, expiry, catch-up, restarts and Telegram errors,
with the FakeClock and the in-process Bot API."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.runtime import open_services
from bot.services.outbox import Notice, Outbox, in_quiet_hours, renderer
from handlers.reminders import TelegramSender
from tests.crash_helpers import Killed, read_statuses, snapshot
from tests.reminders_helpers import (
    FakeSleep,
    add_user,
    dispatch,
    fake_sleeps,
    local,
    messages_to,
)


@pytest.fixture
def sleeps(services, clock):
    return fake_sleeps(services, clock)


ALICE, BUDI, CITRA = 610001, 610002, 610003


@renderer("test_note")
async def render_note(services, t, payload: dict[str, Any]) -> Notice | None:
    if payload.get("gone"):
        return None
    if payload.get("boom"):
        raise RuntimeError("renderer bug")
    text = payload.get("html") or "{text} · {day}".format(
        text=payload.get("text", "note"), day=t.date(date(2026, 11, 28))
    )
    buttons = [[("OK", "menu:saya")]] if payload.get("buttons") else []
    venue = (-6.3147, 106.7122, "Disdukcapil", "Jl. Maruga Raya") if payload.get("pin") else None
    return Notice(text, buttons, venue)


@renderer("test_reminder", reminder=True)
async def render_reminder(services, t, payload: dict[str, Any]) -> Notice | None:
    return Notice(f"reminder {payload.get('n', 0)}")


async def put(services, user_id, *, due, expires=None, kind="test_note", ref=None, **payload):
    ref_type, ref_id = ref if ref else (None, None)
    await services.outbox.enqueue(
        user_id,
        kind,
        payload,
        due_at=due,
        expires_at=expires,
        ref_type=ref_type,
        ref_id=ref_id,
    )


async def statuses(services) -> list[tuple[int, str, str | None]]:
    return [
        (r.item.user_id, r.item.status, r.last_error)
        for r in await services.outbox.store.records()
    ]


def test_quiet_hours_span_midnight():
    start, end = time(21, 0), time(6, 0)
    assert in_quiet_hours(time(21, 0), start, end)
    assert in_quiet_hours(time(23, 59), start, end)
    assert in_quiet_hours(time(5, 59), start, end)
    assert not in_quiet_hours(time(6, 0), start, end)
    assert not in_quiet_hours(time(20, 59), start, end)
    assert in_quiet_hours(time(13, 30), time(13, 0), time(14, 0))
    assert not in_quiet_hours(time(3, 0), time(6, 0), time(6, 0))


async def test_sent_when_due_not_before_and_only_once(services, app, api, clock, sleeps):
    await put(services, ALICE, due=local(clock, 2026, 11, 23, 18), text="hello")
    clock.set(local(clock, 2026, 11, 23, 17, 59))
    report = await dispatch(services, app)
    assert report.sent == 0 and messages_to(api, ALICE) == []
    clock.set(local(clock, 2026, 11, 23, 18, 0))
    report = await dispatch(services, app)
    assert report.sent == 1
    [message] = messages_to(api, ALICE)
    assert message.plain_text() == "hello · Sabtu, 28 November 2026"
    [record] = await services.outbox.store.records()
    assert record.item.status == "sent" and record.sent_at == clock.epoch()
    clock.advance(minutes=5)
    assert (await dispatch(services, app)).sent == 0
    assert len(messages_to(api, ALICE)) == 1


async def test_rendered_in_the_recipients_language(services, app, api, clock, sleeps):
    await add_user(services, ALICE, "en")
    await add_user(services, BUDI)  # no language chosen: the configured default (id)
    for user in (ALICE, BUDI, CITRA):  # CITRA never wrote: no users row at all
        await put(services, user, due=clock.now())
    await dispatch(services, app)
    assert messages_to(api, ALICE)[0].plain_text() == "note · Saturday, 28 November 2026"
    assert messages_to(api, BUDI)[0].plain_text() == "note · Sabtu, 28 November 2026"
    assert messages_to(api, CITRA)[0].plain_text() == "note · Sabtu, 28 November 2026"


async def test_buttons_and_the_venue_pin(services, app, api, clock, sleeps):
    await put(services, ALICE, due=clock.now(), buttons=True, pin=True)
    await dispatch(services, app)
    text, pin = messages_to(api, ALICE)
    assert text.kind == "text" and text.button_labels == ["OK"]
    assert text.buttons[0][0]["callback_data"] == "menu:saya"
    assert pin.kind == "venue" and pin.data == {"latitude": -6.3147, "longitude": 106.7122}
    assert "Jl. Maruga Raya" in pin.text


async def test_expired_and_unwanted_messages_are_skipped(services, app, api, clock, sleeps):
    now = clock.now()
    await put(services, ALICE, due=now - timedelta(hours=2), expires=now - timedelta(minutes=1))
    await put(services, BUDI, due=now, gone=True)
    report = await dispatch(services, app)
    assert report.skipped == 2 and report.sent == 0
    assert api.sent == {} or all(not v for v in api.sent.values())
    assert sorted(await statuses(services)) == [
        (ALICE, "skipped", "expired"),
        (BUDI, "skipped", "no longer wanted"),
    ]


async def test_quiet_hours_hold_messages_until_they_end(services, app, api, clock, sleeps):
    tuesday = date(2026, 11, 24)
    # Due in the quiet hours, for events the next morning: one at 08.00, one at 05.30.
    await put(
        services,
        ALICE,
        due=local(clock, 2026, 11, 23, 21, 30),
        expires=local(clock, 2026, 11, 24, 8),
        text="still useful",
    )
    await put(
        services,
        BUDI,
        due=local(clock, 2026, 11, 23, 22),
        expires=local(clock, 2026, 11, 24, 5, 30),
        text="too late",
    )
    for hour, minute in ((21, 30), (23, 0)):
        clock.set(local(clock, 2026, 11, 23, hour, minute))
        report = await dispatch(services, app)
        assert report.quiet and report.sent == 0
    for minute in (0, 30, 59):
        clock.set(local(clock, 2026, 11, 24, 5, minute))
        assert (await dispatch(services, app)).sent == 0
    clock.set(local(clock, 2026, 11, 24, 6, 0))
    report = await dispatch(services, app)
    assert report.sent == 1 and report.skipped == 1
    assert messages_to(api, ALICE)[0].plain_text().startswith("still useful")
    assert messages_to(api, BUDI) == []
    assert clock.today() == tuesday


async def test_catch_up_after_an_hour_of_downtime(services, app, api, clock, sleeps):
    """The bot was stopped from 17.30 to 18.30: what fell due is sent if its event is still
    ahead, skipped if it has started."""
    await put(
        services,
        ALICE,
        due=local(clock, 2026, 11, 23, 18),
        expires=local(clock, 2026, 11, 24, 8),
        text="tomorrow",
    )
    await put(
        services,
        BUDI,
        due=local(clock, 2026, 11, 23, 17, 45),
        expires=local(clock, 2026, 11, 23, 18, 15),
        text="at 18.15",
    )
    clock.set(local(clock, 2026, 11, 23, 17, 30))
    assert (await dispatch(services, app)).claimed == 0  # then the bot stops
    clock.set(local(clock, 2026, 11, 23, 18, 30))  # and starts again
    report = await dispatch(services, app)
    assert report.sent == 1 and report.skipped == 1
    assert [m.plain_text().split(" ·")[0] for m in messages_to(api, ALICE)] == ["tomorrow"]
    assert messages_to(api, BUDI) == []


async def test_no_duplicates_across_a_restart(config, services, app, api, clock, sleeps):
    for n in range(3):
        await put(services, ALICE, due=clock.now(), text=f"n{n}")
    await put(services, ALICE, due=clock.now() + timedelta(hours=1), text="later")
    await dispatch(services, app)
    assert len(messages_to(api, ALICE)) == 3
    # A second process on the same database (the bot restarted).
    async with open_services(config, clock) as again:
        again.outbox.sleep = FakeSleep(clock)
        again.outbox.rate_per_second = None
        report = await again.outbox.dispatch(TelegramSender(app.bot))
        assert report.sent == 0
        clock.advance(hours=1)
        report = await again.outbox.dispatch(TelegramSender(app.bot))
        assert report.sent == 1
    texts = [m.plain_text().split(" ·")[0] for m in messages_to(api, ALICE)]
    assert texts == ["n0", "n1", "n2", "later"]


async def test_rows_left_sending_by_a_crash_are_sent_once_more(
    config, services, app, api, clock, sleeps
):
    """The documented choice: a row found 'sending' at start-up may have reached Telegram or
    not; it is sent once more. Found 'sending' a second time, it is failed."""
    await put(services, ALICE, due=clock.now(), text="in flight")
    await put(services, BUDI, due=clock.now(), text="in flight twice")
    store = services.outbox.store
    claimed = await store.claim_due(clock.epoch(), 10)  # the crashed process claimed both...
    assert {i.status for i in claimed} == {"claimed"}
    for item in claimed:  # ...and had both in flight (as if from two crashes)
        assert await store.mark_sending(item.id)
    budi_row = next(i for i in claimed if i.user_id == BUDI)
    await services.db.write("UPDATE outbox SET interruptions = 1 WHERE id = ?", (budi_row.id,))
    async with open_services(config, clock) as again:  # restart
        again.outbox.sleep = FakeSleep(clock)
        again.outbox.rate_per_second = None
        report = await again.outbox.dispatch(TelegramSender(app.bot))
        assert report.sent == 1
        assert (await again.outbox.dispatch(TelegramSender(app.bot))).sent == 0
    assert [m.plain_text().split(" ·")[0] for m in messages_to(api, ALICE)] == ["in flight"]
    assert messages_to(api, BUDI) == []
    rows = {r.item.user_id: r for r in await store.records()}
    assert rows[ALICE].item.status == "sent" and rows[ALICE].interruptions == 1
    assert rows[BUDI].item.status == "failed"
    assert "interrupted" in (rows[BUDI].last_error or "")


async def test_only_the_message_being_sent_is_in_flight(services, clock, sleeps):
    """Issue 14: a claimed batch is not in flight. While a message is handed to the sender its
    row alone is 'sending' (committed, so a kill now leaves exactly that); the rest of the batch
    is claimed, and each row is done before the next one is marked."""
    for n in range(5):
        await put(services, ALICE + n, due=clock.now(), text=f"m{n}")
    seen: list[dict[str, int]] = []

    class Watching:
        async def send(self, chat_id, notice):
            seen.append(await services.outbox.store.counts())

        async def send_venue(self, chat_id, venue):
            return None

    report = await services.outbox.dispatch(Watching())
    assert report.sent == 5
    expected = [{"sending": 1, "claimed": 4 - n, "sent": n} for n in range(5)]
    assert seen == [{k: v for k, v in counts.items() if v} for counts in expected]


async def test_a_message_withdrawn_while_its_batch_waits_is_not_sent(services, clock, sleeps):
    """A claimed row is not in flight yet: cancelling it (the resident erased their data, the
    booking was cancelled) still stops it; the dispatcher skips it when its turn comes."""
    for user in (ALICE, BUDI, CITRA):
        await put(services, user, due=clock.now(), text="x")
    sent: list[int] = []

    class Cancelling:
        async def send(self, chat_id, notice):
            sent.append(chat_id)
            if chat_id == ALICE:
                assert await services.outbox.cancel_for_user(CITRA) == 1

        async def send_venue(self, chat_id, venue):
            return None

    report = await services.outbox.dispatch(Cancelling())
    assert sent == [ALICE, BUDI]
    assert (report.sent, report.skipped) == (2, 1)
    assert sorted(r[1] for r in await statuses(services)) == ["cancelled", "sent", "sent"]


class DyingSender:
    """Delivers like Telegram and records what reached each chat. With ``die_at``: that message
    is accepted, then the process dies (the database is copied to ``copy`` as the kill leaves
    it)."""

    def __init__(
        self,
        delivered: list[int],
        die_at: int | None = None,
        *,
        database: Path | None = None,
        copy: Path | None = None,
    ) -> None:
        self.delivered, self.die_at = delivered, die_at
        self.database, self.copy = database, copy
        self.calls = 0

    async def send(self, chat_id, notice):
        self.calls += 1
        self.delivered.append(chat_id)
        if self.calls == self.die_at:
            snapshot(self.database, self.copy)
            raise Killed

    async def send_venue(self, chat_id, venue):
        return None


@pytest.mark.parametrize("crashes", [2, 3])
async def test_crashes_in_a_row_lose_nothing_that_was_only_claimed(
    config, services, clock, tmp_path, crashes
):
    """Issue 14: a crash loop (each process killed three messages after it started sending).
    Reminders and notices alike: every message arrives, and only the one in flight at each crash
    may arrive twice; nothing is failed as "interrupted" that was never attempted."""
    count = 20
    for n in range(count):
        kind = "test_reminder" if n % 2 else "test_note"
        await put(services, ALICE + n, due=clock.now(), kind=kind, n=n)
    delivered: list[int] = []
    in_flight: list[set[int]] = []
    database = config.database
    for life in range(crashes):
        copy = tmp_path / f"after-crash-{life + 1}.sqlite3"
        async with open_services(dataclasses.replace(config, database=database), clock) as run:
            run.outbox.rate_per_second = None
            with pytest.raises(Killed):
                dying = DyingSender(delivered, 3, database=database, copy=copy)
                await run.outbox.dispatch(dying)
        rows = read_statuses(copy, "SELECT user_id, status FROM outbox")
        in_flight.append({user for user, status in rows.items() if status == "sending"})
        database = copy
    async with open_services(dataclasses.replace(config, database=database), clock) as run:
        run.outbox.rate_per_second = None
        await run.outbox.dispatch(DyingSender(delivered))
        final = {r.item.user_id: r.item.status for r in await run.outbox.store.records()}
    counts = Counter(delivered)
    assert set(counts) == {ALICE + n for n in range(count)}, "a message was lost"
    assert set(final.values()) == {"sent"}
    assert all(len(users) == 1 for users in in_flight)  # one message in flight at each crash
    assert {user for user, c in counts.items() if c > 1} <= set().union(*in_flight)
    assert max(counts.values()) <= 2


async def test_forbidden_marks_the_user_unreachable(services, app, api, clock, sleeps, make_chat):
    await add_user(services, ALICE)
    api.blocked.add(ALICE)
    await put(services, ALICE, due=clock.now(), text="first")
    await put(services, ALICE, due=clock.now(), text="second")
    await put(services, BUDI, due=clock.now(), text="other user")
    report = await dispatch(services, app)
    assert report.failed == 1 and report.skipped == 1 and report.sent == 1
    user = await services.users.get(ALICE)
    assert user is not None and not user.reachable
    rows = sorted(await statuses(services))
    assert rows[0][1] == "failed" and "blocked" in rows[0][2]
    assert rows[1][1:] == ("skipped", "unreachable")
    assert rows[2] == (BUDI, "sent", None)
    # Later messages are not attempted while they stay blocked.
    calls = len(api.calls)
    await put(services, ALICE, due=clock.now(), text="third")
    await dispatch(services, app)
    assert not any(p.get("chat_id") == ALICE for _m, p in api.calls[calls:])
    # They unblock the bot and write again: reachable again.
    api.blocked.discard(ALICE)
    await make_chat(ALICE).send("/start")
    assert (await services.users.get(ALICE)).reachable
    await put(services, ALICE, due=clock.now(), text="welcome back")
    assert (await dispatch(services, app)).sent == 1


async def test_retry_after_waits_as_told(services, app, api, clock, sleeps):
    await put(services, ALICE, due=clock.now(), text="one")
    await put(services, BUDI, due=clock.now(), text="two")
    api.flood(retry_after=3)
    report = await dispatch(services, app)
    assert sleeps.waits == [3]
    assert report.sent == 2 and report.failed == 0 and report.retried == 0
    assert [r.item.attempts for r in await services.outbox.store.records()] == [1, 1]


async def test_a_long_flood_wait_pauses_the_dispatcher(services, app, api, clock, sleeps):
    for user in (ALICE, BUDI, CITRA):
        await put(services, user, due=clock.now(), text="x")
    api.flood(retry_after=120)
    report = await dispatch(services, app)
    assert report.paused and report.sent == 0 and report.released == 3
    records = await services.outbox.store.records()
    assert {(r.item.status, r.item.attempts) for r in records} == {("pending", 0)}
    clock.advance(seconds=60)
    report = await dispatch(services, app)
    assert report.paused and report.claimed == 0
    clock.advance(seconds=61)
    assert (await dispatch(services, app)).sent == 3


@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 502}, {"timeout": True}])
async def test_network_errors_retry_with_back_off(services, app, api, clock, sleeps, fault):
    await put(services, ALICE, due=clock.now(), text="retry me")
    api.fail("sendMessage", count=2, **fault)
    start = clock.epoch()
    report = await dispatch(services, app)
    assert report.retried == 1 and report.sent == 0
    [record] = await services.outbox.store.records()
    assert record.item.status == "pending" and record.item.due_at == start + 30
    assert record.item.attempts == 1 and record.last_error
    clock.advance(seconds=29)
    assert (await dispatch(services, app)).claimed == 0
    clock.advance(seconds=1)
    assert (await dispatch(services, app)).retried == 1
    [record] = await services.outbox.store.records()
    assert record.item.due_at == clock.epoch() + 60  # doubled
    clock.advance(seconds=60)
    assert (await dispatch(services, app)).sent == 1
    assert len(messages_to(api, ALICE)) == 1


async def test_gives_up_after_the_last_attempt(services, app, api, clock, sleeps):
    await put(services, ALICE, due=clock.now(), text="never")
    api.fail("sendMessage", count=100, status=500)
    for _ in range(Outbox.MAX_ATTEMPTS + 2):
        await dispatch(services, app)
        clock.advance(hours=1)
    [record] = await services.outbox.store.records()
    assert record.item.status == "failed"
    assert record.item.attempts == Outbox.MAX_ATTEMPTS
    assert record.last_error.startswith(f"gave up after {Outbox.MAX_ATTEMPTS} attempts")


async def test_permanent_failure_is_recorded_with_its_reason(services, app, api, clock, sleeps):
    await put(services, ALICE, due=clock.now(), html="<b>unclosed")
    await put(services, BUDI, due=clock.now(), text="fine")
    report = await dispatch(services, app)
    assert report.failed == 1 and report.sent == 1
    rows = {u: (s, e) for u, s, e in await statuses(services)}
    assert rows[ALICE][0] == "failed"
    assert rows[ALICE][1].startswith("bad request: Can't parse entities")


async def test_a_failing_renderer_is_retried_not_lost(services, app, api, clock, sleeps):
    await put(services, ALICE, due=clock.now(), boom=True)
    report = await dispatch(services, app)
    assert report.retried == 1
    [record] = await services.outbox.store.records()
    assert record.item.status == "pending" and record.last_error == "renderer error: RuntimeError"


async def test_reminder_kinds_respect_reminders_off(services, app, api, clock, sleeps):
    await add_user(services, ALICE)
    await services.users.set_reminders(ALICE, False)
    await put(services, ALICE, due=clock.now(), kind="test_reminder", n=1)
    await put(services, ALICE, due=clock.now(), text="a staff decision")
    report = await dispatch(services, app)
    assert report.sent == 1 and report.skipped == 1
    assert [m.plain_text().split(" ·")[0] for m in messages_to(api, ALICE)] == ["a staff decision"]


async def test_replanning_never_resends_an_unchanged_message(services, app, api, clock, sleeps):
    due = clock.now()
    await put(services, ALICE, due=due, ref=("booking", 7), text="x")
    await dispatch(services, app)
    await put(services, ALICE, due=due, ref=("booking", 7), text="x")  # same plan again
    assert (await dispatch(services, app)).sent == 0
    later = due + timedelta(minutes=10)
    await put(services, ALICE, due=later, ref=("booking", 7), text="x")  # the plan changed
    [record] = await services.outbox.store.records()
    assert record.item.status == "pending" and record.item.attempts == 0
    clock.set(later)
    assert (await dispatch(services, app)).sent == 1
    # Cancelled, then planned again (unfollow, follow): pending again.
    await put(services, ALICE, due=later + timedelta(hours=1), ref=("booking", 7), text="x")
    assert await services.outbox.cancel("booking", 7) == 1
    await put(services, ALICE, due=later + timedelta(hours=1), ref=("booking", 7), text="x")
    [record] = await services.outbox.store.records()
    assert record.item.status == "pending"


async def test_a_run_is_bounded_and_the_rest_waits(services, app, api, clock, sleeps):
    for n in range(120):
        await put(services, ALICE + n, due=clock.now(), text=f"m{n}")
    report = await dispatch(services, app, max_per_run=50)
    assert report.sent == 50
    report = await dispatch(services, app, max_per_run=100)
    assert report.sent == 70
    assert sum(len(v) for v in api.sent.values()) == 120


async def test_due_query_uses_the_index_and_ignores_future_rows(services, clock):
    """The per-tick cost does not grow with future reminders: the claim walks the
    (status, due_at) index from the start and stops at the LIMIT."""
    store = services.outbox.store
    future = clock.epoch() + 86400
    await services.db.write_many(
        "INSERT INTO outbox (user_id, kind, due_at, payload) VALUES (?, 'test_note', ?, '{}')",
        [(ALICE, future + n) for n in range(2000)],
    )
    await put(services, BUDI, due=clock.now(), text="due")
    plan = await services.db.fetchall(
        "EXPLAIN QUERY PLAN SELECT id FROM outbox WHERE status = 'pending' AND due_at <= ? "
        "ORDER BY due_at, id LIMIT ?",
        (clock.epoch(), 50),
    )
    detail = " ".join(str(row[3]) for row in plan)
    assert "INDEX outbox_due (status=? AND due_at<?)" in detail
    assert "TEMP B-TREE" not in detail  # already in due order: stops at the LIMIT
    claimed = await store.claim_due(clock.epoch(), 50)
    assert [i.user_id for i in claimed] == [BUDI]


async def test_overlapping_runs_send_each_message_once(services, app, api, clock, sleeps):
    for n in range(30):
        await put(services, ALICE + n, due=clock.now(), text=f"m{n}")
    api.latency = 0.001
    reports = await asyncio.gather(*(dispatch(services, app) for _ in range(3)))
    assert sum(r.sent for r in reports) == 30
    assert sum(r.busy for r in reports) == 2
    assert all(len(v) == 1 for v in api.sent.values())


async def test_a_cancelled_run_gives_back_what_it_did_not_attempt(services, app, clock, sleeps):
    for n in range(5):
        await put(services, ALICE + n, due=clock.now(), text=f"m{n}")

    class Stopping:
        sent = 0

        async def send(self, chat_id, notice):
            self.sent += 1
            if self.sent == 3:
                raise asyncio.CancelledError  # the Application stops mid-run

        async def send_venue(self, chat_id, venue):
            return None

    with pytest.raises(asyncio.CancelledError):
        await services.outbox.dispatch(Stopping())
    counts = await services.outbox.store.counts()
    # Two sent, one in flight (left 'sending' for the next start), two given back.
    assert counts == {"sent": 2, "sending": 1, "pending": 2}


async def test_the_dispatcher_job_is_registered(services):
    from bot.app import job_table

    jobs = {name: seconds for name, _callback, seconds in job_table(services)}
    assert jobs["outbox.dispatch"] == services.config.reminders.poll_seconds
    assert "reminders.plan_followed_events" in jobs


async def test_the_scheduled_job_dispatches(services, app, api, clock, sleeps):
    """The Application's JobQueue runs the job ``schedule_jobs`` registers (as ``run`` does), and
    that run sends what is due: no hand-made context stands in for PTB's."""
    from bot.app import schedule_jobs

    await put(services, ALICE, due=clock.now(), text="from the job")
    schedule_jobs(app)  # the app fixture starts the Application without its jobs
    assert app.job_queue.get_jobs_by_name("outbox.dispatch")
    for _ in range(500):  # the first run is due a second after scheduling
        if messages_to(api, ALICE):
            break
        await asyncio.sleep(0.01)
    assert messages_to(api, ALICE)[0].plain_text().startswith("from the job")
    assert await services.outbox.store.counts() == {"sent": 1}


async def test_a_stopping_application_ends_the_run_at_once(services, app, api, clock, sleeps):
    for n in range(6):
        await put(services, ALICE + n, due=clock.now(), text=f"m{n}")
    answers = iter([True, True, False])
    report = await services.outbox.dispatch(
        TelegramSender(app.bot), keep_going=lambda: next(answers, False)
    )
    assert report.sent == 2 and report.released == 4
    assert await services.outbox.store.counts() == {"sent": 2, "pending": 4}


async def test_an_unexpected_sender_error_is_retried(services, app, clock, sleeps):
    await put(services, ALICE, due=clock.now(), text="x")

    class Broken:
        async def send(self, chat_id, notice):
            raise ValueError("a bug in the channel")

        async def send_venue(self, chat_id, venue):
            return None

    report = await services.outbox.dispatch(Broken())
    assert report.retried == 1
    [record] = await services.outbox.store.records()
    assert record.item.status == "pending" and record.last_error == "unexpected error: ValueError"
