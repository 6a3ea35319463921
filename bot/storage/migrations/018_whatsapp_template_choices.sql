-- WhatsApp template buttons that survive a restart (issue 19).

-- A template whose quick-reply button shows the notice's choices again (the notice has no single
-- one-tap action): the notice's words and buttons as the Application sent them, so that a tap,
-- even after the process restarted and its in-memory copy is gone, shows the same choices. The
-- button's payload carries the row's id. Kept for a while only (see WhatsAppStore).
CREATE TABLE wa_template_choices (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL,
    text            TEXT NOT NULL,
    buttons         TEXT NOT NULL,   -- JSON: rows of Bot API inline keyboard buttons
    sent_at         INTEGER NOT NULL
);
CREATE INDEX wa_template_choices_sent ON wa_template_choices(sent_at);

-- An erased resident's notices go at once with their number (bot/storage/privacy.py turns the
-- wa_id into a tombstone).
CREATE TRIGGER wa_template_choices_erased AFTER UPDATE OF wa_id ON wa_users
WHEN NEW.wa_id LIKE 'erased:%'
BEGIN
    DELETE FROM wa_template_choices WHERE user_id = NEW.id;
END;
