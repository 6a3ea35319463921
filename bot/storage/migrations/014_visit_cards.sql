-- Home visits, staff side (issue 17). The staff-group card of each request (the chat and message
-- the outbox sent it as), so that a request handled elsewhere (a private /kunjungan) edits that
-- card instead of leaving it "waiting for staff" with live buttons. No personal data: ids only.
CREATE TABLE visit_cards (
    visit_id    INTEGER PRIMARY KEY REFERENCES home_visits(id) ON DELETE CASCADE,
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL
);

-- The officer or team the request is assigned to (a name from the config's staff members or
-- teams); '' when nobody is.
ALTER TABLE home_visits ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
