-- School recording events, "Disdukcapil Goes to School" (issue 5).

-- A card printed on the day of a school event ("sehari langsung jadi") for a student who is 17 by
-- then: when and by which staff member. It can only be marked on the event day, so a set
-- printed_at is a card printed the same day; the per-event, per-school and program figures count it.
ALTER TABLE bookings ADD COLUMN printed_at INTEGER;
ALTER TABLE bookings ADD COLUMN printed_by INTEGER;

-- Every staff change of a school event: what it was and what it became (JSON objects of the
-- changed fields), so that the staff panel shows its history.
CREATE TABLE service_day_changes (
    id              INTEGER PRIMARY KEY,
    service_day_id  INTEGER NOT NULL REFERENCES service_days(id),
    at              INTEGER NOT NULL,
    actor_id        INTEGER,
    action          TEXT NOT NULL CHECK (action IN ('created','changed','cancelled')),
    before          TEXT NOT NULL DEFAULT '{}',
    after           TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX service_day_changes_day ON service_day_changes(service_day_id, id);

-- A school's events, by date (the school card, the staff panel, the statistics).
CREATE INDEX service_days_school ON service_days(school_id, date);
