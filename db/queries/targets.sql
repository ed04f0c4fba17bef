-- name: insert_import
-- An import of file $2 into campaign $1 by $6: format $3, digest $4, mapping $5, header $7.
INSERT INTO target_imports (campaign_id, filename, format, sha256, mapping, uploaded_by, header)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id, started_at

-- name: targets_partition
-- Campaign $1's partition of the targets, by name; NULL before its first list.
SELECT targets_partition($1)

-- name: create_targets_partition
-- A detached partition for campaign $1's first list, attached once loaded; its name.
SELECT create_targets_partition($1)

-- name: attach_targets_partition
-- Attach campaign $1's loaded partition to the targets (its indexes are built now).
SELECT attach_targets_partition($1)

-- name: campaign_numbers
-- Campaign $1's IndiHome and mobile numbers (without the '+'), for an import to skip repeats.
SELECT indihome_number, substr(msisdn, 2) FROM targets WHERE campaign_id = $1

-- name: dnc_numbers
-- The numbers on the do-not-call list (without the '+'), for an import to skip.
SELECT substr(msisdn, 2) FROM dnc

-- name: finish_import
-- Import $1 finished now: rows read, accepted, and skipped or rejected by reason.
UPDATE target_imports
SET finished_at = now(), rows_total = $2, accepted = $3, duplicates = $4, dnc = $5,
    out_of_tier = $6, rejected_rows = $7
WHERE id = $1
RETURNING finished_at

-- name: count_imported_targets
-- The rows an import COPYed into campaign $1's partition, counted (migration 0014).
SELECT count_imported_targets($1, $2)

-- name: get_import
-- Import $1's summary, with its campaign's name.
SELECT i.id, i.campaign_id, c.name AS campaign, i.filename, i.format, i.sha256, i.mapping, i.header,
       i.uploaded_by, i.started_at, i.finished_at, i.rows_total, i.accepted, i.duplicates,
       i.dnc, i.out_of_tier, i.rejected_rows
FROM target_imports i JOIN campaigns c ON c.id = i.campaign_id
WHERE i.id = $1

-- name: list_imports
-- Campaign $1's imports, newest first.
SELECT i.id, i.campaign_id, c.name AS campaign, i.filename, i.format, i.sha256, i.mapping, i.header,
       i.uploaded_by, i.started_at, i.finished_at, i.rows_total, i.accepted, i.duplicates,
       i.dnc, i.out_of_tier, i.rejected_rows
FROM target_imports i JOIN campaigns c ON c.id = i.campaign_id
WHERE i.campaign_id = $1
ORDER BY i.id DESC

-- name: import_rejections
-- Up to $3 of import $1's rejected lines after line $2: why, and the row as it came.
SELECT line, reasons, raw
FROM import_rejections
WHERE import_id = $1 AND line > $2
ORDER BY line
LIMIT $3

-- name: count_targets
-- How many targets campaign $1 has.
SELECT count(*) FROM targets WHERE campaign_id = $1

-- name: list_targets
-- A page of campaign $1's targets: $3 after id $2, in id order.
SELECT id, line, customer_id, name, indihome_number, msisdn, wa_number, tier, product,
       address, province, zone, bill_month, bill_amount, payment_channels, state, created_at
FROM targets
WHERE campaign_id = $1 AND id > $2
ORDER BY id
LIMIT $3

-- name: import_lock
-- One import into campaign $2 at a time (lock namespace $1), until the transaction ends.
SELECT pg_advisory_xact_lock($1, $2)

-- name: analyze_targets
-- Statistics for campaign $1's targets now, not when autovacuum comes round: the
-- dialer's first claims on new rows are planned from them.
SELECT analyze_targets($1)
