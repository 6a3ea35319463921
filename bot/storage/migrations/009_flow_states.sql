-- The conversation engine's state (handlers/flow): one row per user and flow. A row is the flow's
-- step and typed draft; ``active`` marks the one flow that takes the user's next messages (at most
-- one per user), the others are drafts kept for "Lanjutkan" until they expire.
CREATE TABLE flow_states (
    user_id INTEGER NOT NULL,
    flow TEXT NOT NULL,
    chat_id INTEGER NOT NULL,
    step TEXT NOT NULL,
    token TEXT NOT NULL,
    draft TEXT NOT NULL,
    buttons TEXT NOT NULL DEFAULT '[]',
    history TEXT NOT NULL DEFAULT '[]',
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    touched_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, flow)
);
CREATE UNIQUE INDEX flow_states_one_active ON flow_states (user_id) WHERE active = 1;
CREATE INDEX flow_states_touched ON flow_states (touched_at);
