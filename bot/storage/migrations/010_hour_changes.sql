-- A weekday's hours that change from a date on (staff chose "from next week" in /aturtempat):
-- the schedule uses them from ``starts_on``; place_hours keeps the hours before that date.
CREATE TABLE hour_changes (
    place_id        INTEGER NOT NULL REFERENCES places(id) ON DELETE CASCADE,
    weekday         INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),   -- 0 = Monday
    starts_on       TEXT NOT NULL,
    hours           TEXT NOT NULL,  -- '08:00-12:00,13:00-15:00'; '' when closed from then on
    PRIMARY KEY (place_id, weekday, starts_on)
);
