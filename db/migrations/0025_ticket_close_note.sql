-- Issue 20: a manager closes a ticket from the campaign page with a note saying what was
-- done, and who closed it is kept (the page shows both; nothing else reads them).
ALTER TABLE tickets
    ADD COLUMN close_note text,
    ADD COLUMN closed_by  bigint REFERENCES users (id);
