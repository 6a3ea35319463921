-- Broadcasts: what kind of announcement it is, its structured details, when sending started.
-- kind 'text': free text written by staff; 'service': a weekend-service announcement written
-- from a template (details: place, dates, hours, seats, the service days it created).
ALTER TABLE broadcasts ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
ALTER TABLE broadcasts ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
ALTER TABLE broadcasts ADD COLUMN started_at INTEGER;
CREATE INDEX IF NOT EXISTS broadcasts_due ON broadcasts(status, scheduled_at);

-- The "followers of a school" audience looks followers up by school.
CREATE INDEX IF NOT EXISTS school_follows_school ON school_follows(school_id);

-- How many times a delivery row was claimed: a row left 'sending' by a crash is sent once more,
-- a row left 'sending' by a second crash is failed ('interrupted'), so a message in flight at a
-- crash reaches its recipient at most twice and a crashing bot cannot loop on it.
ALTER TABLE broadcast_deliveries ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
