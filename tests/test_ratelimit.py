"""The shared send budget: reminders and broadcasts together stay under Telegram's limit."""

import asyncio

from bot.ratelimit import TokenBucket


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_two_senders_together_never_exceed_the_rate():
    fake = FakeTime()
    bucket = TokenBucket(30, clock=fake.clock, sleep=fake.sleep)
    sent: list[float] = []

    async def sender(count: int) -> None:
        for _ in range(count):
            await bucket.acquire()
            sent.append(fake.now)

    await asyncio.gather(sender(100), sender(50))
    assert len(sent) == 150
    # Whatever second-long window we look at, at most 30 went out.
    for start in sent:
        in_window = [t for t in sent if start <= t < start + 1 - 1e-9]
        assert len(in_window) <= 30
    # 150 messages at 30/s take about 5 s of (fake) time.
    assert 4.9 <= fake.now <= 5.0


async def test_an_idle_bucket_refills_up_to_its_burst():
    fake = FakeTime()
    bucket = TokenBucket(10, burst=5, clock=fake.clock, sleep=fake.sleep)
    for _ in range(5):
        await bucket.acquire()
    assert fake.now == 0
    fake.now += 100
    for _ in range(5):
        await bucket.acquire()
    assert fake.now == 100  # the burst came back, no more
    await bucket.acquire()
    assert fake.now > 100
