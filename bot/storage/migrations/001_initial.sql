-- The initial schema. Dates are 'YYYY-MM-DD' and clock times 'HH:MM' in the configured time zone;
-- instants are UTC epoch seconds (INTEGER) so that "what is due" is one indexed comparison.

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,             -- Telegram user id
    language        TEXT,                            -- chosen language, NULL = not chosen
    reminders_on    INTEGER NOT NULL DEFAULT 1,
    reachable       INTEGER NOT NULL DEFAULT 1,      -- 0 once Telegram says the bot is blocked
    created_at      INTEGER NOT NULL,
    seen_at         INTEGER NOT NULL
);

-- Recording places: Disdukcapil offices, kecamatan offices, MPP and mall counters, village halls, schools.
CREATE TABLE places (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('office','kecamatan','mpp','mall','village_hall','school')),
    kecamatan_code  TEXT NOT NULL,
    address         TEXT NOT NULL DEFAULT '',
    lat             REAL,
    lon             REAL,
    slot_minutes    INTEGER NOT NULL DEFAULT 60 CHECK (slot_minutes BETWEEN 5 AND 480),
    seats_per_slot  INTEGER NOT NULL DEFAULT 10 CHECK (seats_per_slot BETWEEN 1 AND 1000),
    active          INTEGER NOT NULL DEFAULT 1,
    is_demo         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX places_kecamatan ON places(kecamatan_code);

-- Weekly opening hours; a weekday may hold several ranges (a lunch break).
CREATE TABLE place_hours (
    place_id        INTEGER NOT NULL REFERENCES places(id) ON DELETE CASCADE,
    weekday         INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),   -- 0 = Monday
    opens           TEXT NOT NULL,
    closes          TEXT NOT NULL,
    CHECK (opens < closes),
    PRIMARY KEY (place_id, weekday, opens)
);

CREATE TABLE schools (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,                   -- SMAN, SMKN, MAN, SKHN
    kecamatan_code  TEXT NOT NULL,
    place_id        INTEGER REFERENCES places(id),
    target_students INTEGER NOT NULL DEFAULT 0,
    is_demo         INTEGER NOT NULL DEFAULT 0
);

-- A dated opening beyond the weekly hours: weekend service, jemput bola at a village hall, a school
-- event, an evening service. Cancelled days keep their row so that bookers can be told.
CREATE TABLE service_days (
    id              INTEGER PRIMARY KEY,
    place_id        INTEGER NOT NULL REFERENCES places(id),
    date            TEXT NOT NULL,
    opens           TEXT NOT NULL,
    closes          TEXT NOT NULL,
    seats_per_slot  INTEGER NOT NULL CHECK (seats_per_slot BETWEEN 1 AND 1000),
    slot_minutes    INTEGER CHECK (slot_minutes BETWEEN 5 AND 480),  -- NULL: the place's
    kind            TEXT NOT NULL CHECK (kind IN ('weekend','jemput_bola','evening','extra','school')),
    school_id       INTEGER REFERENCES schools(id),  -- set: only students of that school
    title           TEXT NOT NULL DEFAULT '',
    room            TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    same_day_print  INTEGER NOT NULL DEFAULT 0,
    allow_16        INTEGER NOT NULL DEFAULT 1,
    status          TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled','changed','cancelled')),
    is_demo         INTEGER NOT NULL DEFAULT 0,
    CHECK (opens < closes),
    UNIQUE (place_id, date, opens)
);
CREATE INDEX service_days_date ON service_days(date, place_id);

-- A closed day or part of a day (place_id NULL = every place), beyond national holidays.
CREATE TABLE closures (
    id              INTEGER PRIMARY KEY,
    place_id        INTEGER REFERENCES places(id),
    date            TEXT NOT NULL,
    starts          TEXT,                            -- NULL = the whole day
    ends            TEXT,
    reason          TEXT NOT NULL DEFAULT '',
    created_by      INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX closures_date ON closures(date);

-- Slots are written the first time a day is offered, from the hours or the service day in force then.
CREATE TABLE slots (
    id              INTEGER PRIMARY KEY,
    place_id        INTEGER NOT NULL REFERENCES places(id),
    date            TEXT NOT NULL,
    starts          TEXT NOT NULL,
    ends            TEXT NOT NULL,
    seats           INTEGER NOT NULL CHECK (seats >= 0),
    booked          INTEGER NOT NULL DEFAULT 0,
    service_day_id  INTEGER REFERENCES service_days(id),
    closed          INTEGER NOT NULL DEFAULT 0,
    CHECK (booked >= 0 AND booked <= seats),         -- the last line of defence against overselling
    UNIQUE (place_id, date, starts)
);

CREATE TABLE bookings (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    slot_id         INTEGER NOT NULL REFERENCES slots(id),
    owner_id        INTEGER NOT NULL,
    person_name     TEXT NOT NULL,
    nik             TEXT NOT NULL,
    phone           TEXT,
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','cancelled','attended','no_show')),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    checked_in_at   INTEGER,
    checked_in_by   INTEGER,
    anonymized      INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX bookings_one_active_per_nik ON bookings(nik) WHERE status = 'active';
CREATE INDEX bookings_owner ON bookings(owner_id, status);
CREATE INDEX bookings_slot ON bookings(slot_id, status);

CREATE TABLE booking_history (
    id              INTEGER PRIMARY KEY,
    booking_id      INTEGER NOT NULL REFERENCES bookings(id),
    at              INTEGER NOT NULL,
    actor_id        INTEGER,
    action          TEXT NOT NULL,                   -- created, moved, cancelled, attended, no_show
    detail          TEXT NOT NULL DEFAULT ''
);

-- "Tell me if a seat frees up" for a full day at a place.
CREATE TABLE waitlist (
    id              INTEGER PRIMARY KEY,
    owner_id        INTEGER NOT NULL,
    place_id        INTEGER NOT NULL REFERENCES places(id),
    date            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting','offered','accepted','expired','cancelled')),
    offered_slot_id INTEGER REFERENCES slots(id),
    offer_expires_at INTEGER,
    created_at      INTEGER NOT NULL,
    UNIQUE (owner_id, place_id, date)
);
CREATE INDEX waitlist_day ON waitlist(place_id, date, status, created_at);

CREATE TABLE school_follows (
    user_id         INTEGER NOT NULL,
    school_id       INTEGER NOT NULL REFERENCES schools(id),
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (user_id, school_id)
);

CREATE TABLE home_visits (
    id              INTEGER PRIMARY KEY,
    ticket          TEXT NOT NULL UNIQUE,
    owner_id        INTEGER NOT NULL,
    person_name     TEXT NOT NULL,
    nik             TEXT NOT NULL,
    reason          TEXT NOT NULL,                   -- sick, elderly, disabled, odgj, other
    reason_note     TEXT NOT NULL DEFAULT '',
    address         TEXT NOT NULL,
    lat             REAL,
    lon             REAL,
    kecamatan_code  TEXT NOT NULL,
    phone           TEXT NOT NULL,
    preferred_days  TEXT NOT NULL DEFAULT '',
    notes           TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new','info_requested','scheduled','done','not_done','rejected','cancelled')),
    visit_date      TEXT,
    window_start    TEXT,
    window_end      TEXT,
    outcome_note    TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    anonymized      INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX home_visits_one_open_per_nik ON home_visits(nik)
    WHERE status IN ('new','info_requested','scheduled');
CREATE INDEX home_visits_queue ON home_visits(status, created_at);

CREATE TABLE visit_history (
    id              INTEGER PRIMARY KEY,
    visit_id        INTEGER NOT NULL REFERENCES home_visits(id),
    at              INTEGER NOT NULL,
    actor_id        INTEGER,
    status          TEXT NOT NULL,
    detail          TEXT NOT NULL DEFAULT ''
);

-- Announcement topics: 'all', 'kec:<code>', 'school:<id>'.
CREATE TABLE subscriptions (
    user_id         INTEGER NOT NULL,
    topic           TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (user_id, topic)
);
CREATE INDEX subscriptions_topic ON subscriptions(topic);

-- Everything the bot must send later: reminders and notices. The dispatcher claims due rows atomically.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL,
    kind            TEXT NOT NULL,                   -- reminder_day_before, reminder_same_day, notice, ...
    ref_type        TEXT,                            -- booking, visit, service_day, ...
    ref_id          INTEGER,
    due_at          INTEGER NOT NULL,
    expires_at      INTEGER,                         -- not sent after this (the event has started)
    payload         TEXT NOT NULL DEFAULT '{}',
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sending','sent','failed','skipped','cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    sent_at         INTEGER,
    UNIQUE (kind, ref_type, ref_id, user_id)
);
CREATE INDEX outbox_due ON outbox(status, due_at);
CREATE INDEX outbox_ref ON outbox(ref_type, ref_id);

CREATE TABLE broadcasts (
    id              INTEGER PRIMARY KEY,
    author_id       INTEGER NOT NULL,
    text_id         TEXT NOT NULL,
    text_en         TEXT NOT NULL,
    audience        TEXT NOT NULL,                   -- JSON
    scheduled_at    INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','scheduled','sending','done','cancelled')),
    progress_chat_id INTEGER,
    progress_message_id INTEGER,
    created_at      INTEGER NOT NULL,
    finished_at     INTEGER
);

CREATE TABLE broadcast_deliveries (
    broadcast_id    INTEGER NOT NULL REFERENCES broadcasts(id),
    user_id         INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sending','sent','failed','blocked','cancelled')),
    error           TEXT,
    sent_at         INTEGER,
    PRIMARY KEY (broadcast_id, user_id)
) WITHOUT ROWID;
CREATE INDEX broadcast_deliveries_status ON broadcast_deliveries(broadcast_id, status);

CREATE TABLE complaints (
    id              INTEGER PRIMARY KEY,
    ref             TEXT NOT NULL UNIQUE,
    user_id         INTEGER NOT NULL,
    what            TEXT NOT NULL,
    place           TEXT NOT NULL DEFAULT '',
    happened        TEXT NOT NULL DEFAULT '',
    contact         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'new',
    created_at      INTEGER NOT NULL
);

-- Questions forwarded to staff; a reply to the forwarded message goes back to the resident.
CREATE TABLE handoffs (
    id              INTEGER PRIMARY KEY,
    ref             TEXT NOT NULL UNIQUE,
    user_id         INTEGER NOT NULL,
    question        TEXT NOT NULL,
    staff_chat_id   INTEGER,
    staff_message_id INTEGER,
    answered_at     INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX handoffs_message ON handoffs(staff_chat_id, staff_message_id);

CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,
    actor_id        INTEGER,
    action          TEXT NOT NULL,
    target_type     TEXT NOT NULL DEFAULT '',
    target_id       TEXT NOT NULL DEFAULT '',
    detail          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);

-- PTB persistence, one row per key (never a whole-file rewrite).
CREATE TABLE conversations (
    name            TEXT NOT NULL,
    key             TEXT NOT NULL,
    state           TEXT NOT NULL,
    PRIMARY KEY (name, key)
) WITHOUT ROWID;

CREATE TABLE user_data (
    user_id         INTEGER PRIMARY KEY,
    data            TEXT NOT NULL
);

CREATE TABLE chat_data (
    chat_id         INTEGER PRIMARY KEY,
    data            TEXT NOT NULL
);
