-- Booking (issue 4). What the resident said about being married: eligibility under 17 depends on it
-- and is checked again when a booking moves to another date.
ALTER TABLE bookings ADD COLUMN married INTEGER NOT NULL DEFAULT 0;

-- Seats held for a waitlisted resident are counted per slot on every booking attempt.
CREATE INDEX waitlist_offered ON waitlist(offered_slot_id, status);
CREATE INDEX waitlist_owner ON waitlist(owner_id, status);
CREATE INDEX booking_history_booking ON booking_history(booking_id);
-- No-shows are marked by date; service-day changes find their slots.
CREATE INDEX slots_date ON slots(date);
CREATE INDEX slots_service_day ON slots(service_day_id);
