-- name: insert_user
INSERT INTO users (username, display_name, role, password_hash)
VALUES ($1, $2, $3, $4)
RETURNING id, username, display_name, role, disabled, created_at

-- name: set_user_password
UPDATE users SET password_hash = $2 WHERE username = $1
RETURNING id, username, display_name, role, disabled, created_at

-- name: get_user_for_login
SELECT id, username, display_name, role, disabled, password_hash FROM users WHERE username = $1

-- name: list_users
SELECT id, username, display_name, role, disabled, created_at FROM users ORDER BY id

-- name: insert_token
INSERT INTO auth_tokens (user_id, token_hash, kind, label, expires_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, created_at, expires_at

-- name: user_for_token
SELECT u.id, u.username, u.display_name, u.role, t.id AS token_id, t.kind
FROM auth_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled
  AND (t.expires_at IS NULL OR t.expires_at > $2)

-- name: revoke_token
UPDATE auth_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL
