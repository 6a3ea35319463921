-- Answers: the resident ↔ staff exchanges of /tanya (handoffs) and /lapor (complaints).
--
-- Every message of an exchange is one row of handoff_messages, both sides: the resident's question
-- or report (with the message it became in the staff group, so that a staff member's reply to
-- that message finds its way back) and each staff reply (with whether it reached the resident).
CREATE TABLE handoff_messages (
    id               INTEGER PRIMARY KEY,
    thread_type      TEXT NOT NULL CHECK (thread_type IN ('handoff','complaint')),
    thread_id        INTEGER NOT NULL,
    user_id          INTEGER NOT NULL,            -- the resident of the exchange
    direction        TEXT NOT NULL CHECK (direction IN ('resident','staff')),
    author_id        INTEGER NOT NULL,            -- the resident, or the staff member who replied
    text             TEXT NOT NULL,
    staff_chat_id    INTEGER,                     -- resident side: where it was forwarded
    staff_message_id INTEGER,
    delivered        INTEGER NOT NULL DEFAULT 0,  -- staff side: reached the resident
    at               INTEGER NOT NULL
);
CREATE INDEX handoff_messages_forward ON handoff_messages(staff_chat_id, staff_message_id);
CREATE INDEX handoff_messages_thread ON handoff_messages(thread_type, thread_id);
CREATE INDEX handoff_messages_unsent ON handoff_messages(direction, staff_message_id)
    WHERE staff_message_id IS NULL;

-- The language the resident wrote in: a staff reply reaches them in it (unless they chose one).
ALTER TABLE handoffs ADD COLUMN lang TEXT;
ALTER TABLE complaints ADD COLUMN lang TEXT;
ALTER TABLE handoffs ADD COLUMN answered_by INTEGER;
ALTER TABLE complaints ADD COLUMN staff_chat_id INTEGER;
ALTER TABLE complaints ADD COLUMN staff_message_id INTEGER;
ALTER TABLE complaints ADD COLUMN handled_by INTEGER;
ALTER TABLE complaints ADD COLUMN updated_at INTEGER;
CREATE INDEX complaints_user ON complaints(user_id, created_at);
CREATE INDEX handoffs_user ON handoffs(user_id, created_at);

-- A resident who erases their data (user_id set to 0 on their handoffs and complaints) takes the
-- texts of their exchanges with them.
CREATE TRIGGER handoffs_erased AFTER UPDATE OF user_id ON handoffs
WHEN NEW.user_id = 0 AND OLD.user_id != 0
BEGIN
    UPDATE handoff_messages SET text = '', user_id = 0
    WHERE thread_type = 'handoff' AND thread_id = NEW.id;
END;

CREATE TRIGGER complaints_erased AFTER UPDATE OF user_id ON complaints
WHEN NEW.user_id = 0 AND OLD.user_id != 0
BEGIN
    UPDATE handoff_messages SET text = '', user_id = 0
    WHERE thread_type = 'complaint' AND thread_id = NEW.id;
END;
