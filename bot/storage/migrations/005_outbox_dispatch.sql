-- The outbox dispatcher (issue 7).
-- How often a row was found 'sending' at start-up (the process died while sending it): it is sent
-- once more after the first interruption, and failed after a second, so a message in flight at a
-- crash reaches the recipient at most twice.
ALTER TABLE outbox ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0;
-- Per-recipient questions (/pengingat lists upcoming reminders; data deletion cancels a user's
-- rows) without scanning every planned message.
CREATE INDEX outbox_user ON outbox(user_id, status, due_at);
