-- Issue 14: a claimed row is not a row in flight.
-- The dispatchers claim a batch of due rows ('claimed') and mark each one 'sending' only just
-- before it is handed to Telegram, so after a crash the rows left 'sending' are the few really in
-- flight; the rest of the batch goes back to 'pending' without counting as interrupted.
-- SQLite cannot widen a CHECK constraint in place: each table is rebuilt with the same columns
-- (in the same order), data and indexes (https://sqlite.org/lang_altertable.html, "other kinds
-- of table schema changes").

CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL,
    kind            TEXT NOT NULL,                   -- reminder_day_before, reminder_same_day, notice, ...
    ref_type        TEXT,                            -- booking, visit, service_day, ...
    ref_id          INTEGER,
    due_at          INTEGER NOT NULL,
    expires_at      INTEGER,                         -- not sent after this (the event has started)
    payload         TEXT NOT NULL DEFAULT '{}',
    -- pending → claimed (in a dispatcher's batch) → sending (handed to Telegram) → sent | …
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','claimed','sending','sent','failed','skipped','cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    sent_at         INTEGER,
    interruptions   INTEGER NOT NULL DEFAULT 0,      -- times found 'sending' after a crash
    UNIQUE (kind, ref_type, ref_id, user_id)
);
INSERT INTO outbox_new (id, user_id, kind, ref_type, ref_id, due_at, expires_at, payload, status,
                        attempts, last_error, sent_at, interruptions)
    SELECT id, user_id, kind, ref_type, ref_id, due_at, expires_at, payload, status,
           attempts, last_error, sent_at, interruptions
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(status, due_at);
CREATE INDEX outbox_ref ON outbox(ref_type, ref_id);
CREATE INDEX outbox_user ON outbox(user_id, status, due_at);

CREATE TABLE broadcast_deliveries_new (
    broadcast_id    INTEGER NOT NULL REFERENCES broadcasts(id),
    user_id         INTEGER NOT NULL,
    -- pending → claimed (in the sender's batch) → sending (handed to Telegram) → sent | …
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','claimed','sending','sent','failed','blocked','cancelled')),
    error           TEXT,
    sent_at         INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,      -- times marked 'sending'
    PRIMARY KEY (broadcast_id, user_id)
) WITHOUT ROWID;
INSERT INTO broadcast_deliveries_new (broadcast_id, user_id, status, error, sent_at, attempts)
    SELECT broadcast_id, user_id, status, error, sent_at, attempts FROM broadcast_deliveries;
DROP TABLE broadcast_deliveries;
ALTER TABLE broadcast_deliveries_new RENAME TO broadcast_deliveries;
CREATE INDEX broadcast_deliveries_status ON broadcast_deliveries(broadcast_id, status);
