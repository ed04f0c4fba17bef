-- name: insert_user
-- A new user $1 (display name $2, role $3, password hash $4 or NULL for none); its row.
INSERT INTO users (username, display_name, role, password_hash)
VALUES ($1, $2, $3, $4)
RETURNING id, username, display_name, role, disabled, created_at

-- name: set_user_password
-- User $1's (by username) password hash is now $2.
UPDATE users SET password_hash = $2 WHERE username = $1
RETURNING id, username, display_name, role, disabled, created_at

-- name: get_user_for_login
-- User $1 (by username) with their password hash, to check a login.
SELECT id, username, display_name, role, disabled, password_hash FROM users WHERE username = $1

-- name: list_users
-- Every user (without password hashes), in id order.
SELECT id, username, display_name, role, disabled, created_at FROM users ORDER BY id

-- name: insert_token
-- A token for user $1: hash $2, kind $3 (session or api), label $4, expiry $5 (NULL: none).
INSERT INTO auth_tokens (user_id, token_hash, kind, label, expires_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, created_at, expires_at

-- name: user_for_token
-- The enabled user of the token with hash $1, if neither revoked nor expired at $2.
SELECT u.id, u.username, u.display_name, u.role, t.id AS token_id, t.kind
FROM auth_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled
  AND (t.expires_at IS NULL OR t.expires_at > $2)

-- name: revoke_token
-- Revoke token $1 (by id), unless it is revoked already.
UPDATE auth_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL

-- name: user_id
-- The id of user $1 (by username).
SELECT id FROM users WHERE username = $1
