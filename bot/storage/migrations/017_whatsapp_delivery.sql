-- WhatsApp delivery (issue 19, the sending side).

-- Which outbox row a WhatsApp message carried, so that a delivery status from the webhook reaches
-- the outbox (a late "failed" turns into a retry, a template, or an unreachable recipient).
ALTER TABLE wa_statuses ADD COLUMN outbox_id INTEGER;
CREATE INDEX wa_statuses_outbox ON wa_statuses(outbox_id) WHERE outbox_id IS NOT NULL;

-- The delivery state WhatsApp reported for a sent row (sent, delivered, read, failed); NULL on
-- Telegram, which reports none.
ALTER TABLE outbox ADD COLUMN delivery TEXT;

-- Business-initiated conversations (a template to a resident outside the 24-hour window): the
-- number's messaging tier allows so many unique residents per rolling 24 hours.
CREATE TABLE wa_conversations (
    user_id         INTEGER PRIMARY KEY,
    opened_at       INTEGER NOT NULL
);
CREATE INDEX wa_conversations_opened ON wa_conversations(opened_at);

-- A broadcast delivery may wait for tomorrow ('later'): the WhatsApp tier allowed no more new
-- conversations today; the outbox sends it when the tier has room again. SQLite cannot change a
-- CHECK constraint in place, so the table is rebuilt.
CREATE TABLE broadcast_deliveries_new (
    broadcast_id    INTEGER NOT NULL REFERENCES broadcasts(id),
    user_id         INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','claimed','sending','sent','failed','blocked','cancelled','later')),
    error           TEXT,
    sent_at         INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (broadcast_id, user_id)
) WITHOUT ROWID;
INSERT INTO broadcast_deliveries_new (broadcast_id, user_id, status, error, sent_at, attempts)
    SELECT broadcast_id, user_id, status, error, sent_at, attempts FROM broadcast_deliveries;
DROP TABLE broadcast_deliveries;
ALTER TABLE broadcast_deliveries_new RENAME TO broadcast_deliveries;
CREATE INDEX broadcast_deliveries_status ON broadcast_deliveries(broadcast_id, status);
