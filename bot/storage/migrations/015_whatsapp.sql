-- WhatsApp residents. The bot's user ids are integers (users.id, bookings.owner, …); a WhatsApp
-- user gets one from a range no Telegram id can reach (Telegram's fit in 52 bits, these start at
-- 9·10^15), so every table keeps working per channel identity and a Telegram id never collides.
CREATE TABLE wa_users (
    id              INTEGER PRIMARY KEY CHECK (id > 9000000000000000),
    wa_id           TEXT NOT NULL UNIQUE,       -- the phone number WhatsApp identifies them by
    created_at      INTEGER NOT NULL,
    last_inbound_at INTEGER NOT NULL            -- opens the 24-hour customer-service window
);

-- Inbound message ids already handled: WhatsApp retries a webhook until it gets a 200.
CREATE TABLE wa_inbound (
    message_id      TEXT PRIMARY KEY,
    received_at     INTEGER NOT NULL
);

-- Delivery state of what the bot sent (sent, delivered, read, failed), from the status webhooks.
-- No user id: the erasure confirmation is sent after the erasure and must not name anyone.
CREATE TABLE wa_statuses (
    message_id      TEXT PRIMARY KEY,
    status          TEXT NOT NULL,
    error_code      INTEGER,
    updated_at      INTEGER NOT NULL
);
