-- Home visits (issue 6).
-- visit_history keeps every change of a request: `status` is the status after the change, `action`
-- says what happened (created, info_requested, info_given, scheduled, rescheduled,
-- change_requested, done, not_done, rejected, cancelled), `detail` the staff's or the family's
-- words, if any. Rows written before this migration have action ''.
ALTER TABLE visit_history ADD COLUMN action TEXT NOT NULL DEFAULT '';
CREATE INDEX visit_history_visit ON visit_history(visit_id, id);
-- "Pendaftaran saya": a family's requests without a scan.
CREATE INDEX home_visits_owner ON home_visits(owner_id, status);
-- The staff queue per kecamatan, oldest first.
CREATE INDEX home_visits_kecamatan_queue ON home_visits(kecamatan_code, status, created_at);
