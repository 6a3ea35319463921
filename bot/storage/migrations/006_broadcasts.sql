-- Broadcasts: what kind of announcement it is, its structured details, when sending started.
-- kind 'text': free text written by staff; 'service': a weekend-service announcement written
-- from a template (details: place, dates, hours, seats, the service days it created).
ALTER TABLE broadcasts ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
ALTER TABLE broadcasts ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
ALTER TABLE broadcasts ADD COLUMN started_at INTEGER;
CREATE INDEX IF NOT EXISTS broadcasts_due ON broadcasts(status, scheduled_at);

-- The "followers of a school" audience looks followers up by school.
CREATE INDEX IF NOT EXISTS school_follows_school ON school_follows(school_id);
