-- What changed in the tables the places copy holds (bot/storage/place_snapshot.py), in order.
-- Written by these triggers on every connection, so also by other processes (`python -m bot
-- import` while the bot runs): after another process' commit the bot reads the entries newer
-- than the last it applied and reads those rows again, instead of its whole window.
-- ``writer`` is set by the bot's own connection (a TEMP trigger, bot/storage/watch.py) on the
-- entries it wrote: it knows those already. NULL: another process.
-- The log keeps its last 10,000 entries; a reader further behind sees the gap and reloads all.
CREATE TABLE place_changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl     TEXT NOT NULL,      -- places, place_hours, hour_changes, service_days, closures
    key     INTEGER NOT NULL,   -- the row's id (for weekly hours and planned changes: the place)
    writer  INTEGER
);

CREATE TRIGGER place_changes_trim AFTER INSERT ON place_changes
BEGIN
    DELETE FROM place_changes WHERE seq <= NEW.seq - 10000;
END;


-- places: the new row's key, the old one's on delete, and both when the key moves
CREATE TRIGGER log_places_insert AFTER INSERT ON places
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('places', NEW.id);
END;
CREATE TRIGGER log_places_update AFTER UPDATE ON places
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('places', NEW.id);
END;
CREATE TRIGGER log_places_delete AFTER DELETE ON places
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('places', OLD.id);
END;
CREATE TRIGGER log_places_update_old AFTER UPDATE OF id ON places WHEN OLD.id IS NOT NEW.id
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('places', OLD.id);
END;

-- place_hours: the new row's key, the old one's on delete, and both when the key moves
CREATE TRIGGER log_place_hours_insert AFTER INSERT ON place_hours
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('place_hours', NEW.place_id);
END;
CREATE TRIGGER log_place_hours_update AFTER UPDATE ON place_hours
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('place_hours', NEW.place_id);
END;
CREATE TRIGGER log_place_hours_delete AFTER DELETE ON place_hours
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('place_hours', OLD.place_id);
END;
CREATE TRIGGER log_place_hours_update_old AFTER UPDATE OF place_id ON place_hours WHEN OLD.place_id IS NOT NEW.place_id
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('place_hours', OLD.place_id);
END;

-- hour_changes: the new row's key, the old one's on delete, and both when the key moves
CREATE TRIGGER log_hour_changes_insert AFTER INSERT ON hour_changes
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('hour_changes', NEW.place_id);
END;
CREATE TRIGGER log_hour_changes_update AFTER UPDATE ON hour_changes
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('hour_changes', NEW.place_id);
END;
CREATE TRIGGER log_hour_changes_delete AFTER DELETE ON hour_changes
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('hour_changes', OLD.place_id);
END;
CREATE TRIGGER log_hour_changes_update_old AFTER UPDATE OF place_id ON hour_changes WHEN OLD.place_id IS NOT NEW.place_id
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('hour_changes', OLD.place_id);
END;

-- service_days: the new row's key, the old one's on delete, and both when the key moves
CREATE TRIGGER log_service_days_insert AFTER INSERT ON service_days
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('service_days', NEW.id);
END;
CREATE TRIGGER log_service_days_update AFTER UPDATE ON service_days
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('service_days', NEW.id);
END;
CREATE TRIGGER log_service_days_delete AFTER DELETE ON service_days
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('service_days', OLD.id);
END;
CREATE TRIGGER log_service_days_update_old AFTER UPDATE OF id ON service_days WHEN OLD.id IS NOT NEW.id
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('service_days', OLD.id);
END;

-- closures: the new row's key, the old one's on delete, and both when the key moves
CREATE TRIGGER log_closures_insert AFTER INSERT ON closures
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('closures', NEW.id);
END;
CREATE TRIGGER log_closures_update AFTER UPDATE ON closures
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('closures', NEW.id);
END;
CREATE TRIGGER log_closures_delete AFTER DELETE ON closures
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('closures', OLD.id);
END;
CREATE TRIGGER log_closures_update_old AFTER UPDATE OF id ON closures WHEN OLD.id IS NOT NEW.id
BEGIN
    INSERT INTO place_changes (tbl, key) VALUES ('closures', OLD.id);
END;
