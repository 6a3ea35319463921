-- The counter (issue 17): queue numbers, walk-ins and a daily quota per place.

-- One sequence of queue numbers per place and day. A check-in takes the next one with a single
-- upsert (atomic on the shared connection, and in PostgreSQL's ON CONFLICT as well); an undone
-- check-in does not give its number back, so numbers already called are never called twice.
CREATE TABLE queue_counters (
    place_id        INTEGER NOT NULL REFERENCES places(id),
    date            TEXT NOT NULL,
    last            INTEGER NOT NULL CHECK (last >= 1),
    PRIMARY KEY (place_id, date)
);

-- Residents who came without a booking, registered by staff at the counter. They count against
-- the place's daily quota like bookings do.
CREATE TABLE walk_ins (
    id              INTEGER PRIMARY KEY,
    place_id        INTEGER NOT NULL REFERENCES places(id),
    date            TEXT NOT NULL,
    person_name     TEXT NOT NULL,
    nik             TEXT NOT NULL,
    phone           TEXT,
    status          TEXT NOT NULL DEFAULT 'attended' CHECK (status IN ('attended','cancelled')),
    created_by      INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX walk_ins_day ON walk_ins(place_id, date, status);
-- One walk-in per NIK and day at a place: a double tap registers nobody twice.
CREATE UNIQUE INDEX walk_ins_one_per_nik ON walk_ins(place_id, date, nik) WHERE status = 'attended';

-- Who holds which number: a booking or a walk-in, never both; the key makes numbers unique.
CREATE TABLE queue_tickets (
    place_id        INTEGER NOT NULL REFERENCES places(id),
    date            TEXT NOT NULL,
    number          INTEGER NOT NULL CHECK (number >= 1),
    booking_id      INTEGER UNIQUE REFERENCES bookings(id),
    walk_in_id      INTEGER UNIQUE REFERENCES walk_ins(id),
    issued_at       INTEGER NOT NULL,
    called_at       INTEGER,
    PRIMARY KEY (place_id, date, number),
    CHECK ((booking_id IS NULL) <> (walk_in_id IS NULL))
);

-- How many residents a place serves in a day, online bookings and walk-ins together, on top of
-- the seats per slot (Tangsel: 300 a day). NULL: no daily limit beyond the seats.
ALTER TABLE places ADD COLUMN daily_quota INTEGER CHECK (daily_quota IS NULL OR daily_quota >= 1);
