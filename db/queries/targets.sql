-- name: insert_import
INSERT INTO target_imports (campaign_id, filename, format, sha256, mapping, uploaded_by, header)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id, started_at

-- name: targets_partition
SELECT targets_partition($1)

-- name: create_targets_partition
SELECT create_targets_partition($1)

-- name: attach_targets_partition
SELECT attach_targets_partition($1)

-- name: campaign_numbers
SELECT indihome_number, substr(msisdn, 2) FROM targets WHERE campaign_id = $1

-- name: dnc_numbers
SELECT substr(msisdn, 2) FROM dnc

-- name: finish_import
UPDATE target_imports
SET finished_at = now(), rows_total = $2, accepted = $3, duplicates = $4, dnc = $5,
    out_of_tier = $6, rejected_rows = $7
WHERE id = $1
RETURNING finished_at

-- name: count_imported_targets
-- The rows an import COPYed into campaign $1's partition, counted (migration 0014).
SELECT count_imported_targets($1, $2)

-- name: get_import
SELECT i.id, i.campaign_id, c.name AS campaign, i.filename, i.format, i.sha256, i.mapping, i.header,
       i.uploaded_by, i.started_at, i.finished_at, i.rows_total, i.accepted, i.duplicates,
       i.dnc, i.out_of_tier, i.rejected_rows
FROM target_imports i JOIN campaigns c ON c.id = i.campaign_id
WHERE i.id = $1

-- name: list_imports
SELECT i.id, i.campaign_id, c.name AS campaign, i.filename, i.format, i.sha256, i.mapping, i.header,
       i.uploaded_by, i.started_at, i.finished_at, i.rows_total, i.accepted, i.duplicates,
       i.dnc, i.out_of_tier, i.rejected_rows
FROM target_imports i JOIN campaigns c ON c.id = i.campaign_id
WHERE i.campaign_id = $1
ORDER BY i.id DESC

-- name: import_rejections
SELECT line, reasons, raw
FROM import_rejections
WHERE import_id = $1 AND line > $2
ORDER BY line
LIMIT $3

-- name: count_targets
SELECT count(*) FROM targets WHERE campaign_id = $1

-- name: list_targets
SELECT id, line, customer_id, name, indihome_number, msisdn, wa_number, tier, product,
       address, province, zone, bill_month, bill_amount, payment_channels, state, created_at
FROM targets
WHERE campaign_id = $1 AND id > $2
ORDER BY id
LIMIT $3
