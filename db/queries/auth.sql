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
-- A token for user $1: hash $2, kind $3 (session or api), label $4, expiry $5 (NULL: none),
-- minted with token $6 (NULL: by a login or the command line).
INSERT INTO auth_tokens (user_id, token_hash, kind, label, expires_at, parent_id)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, created_at, expires_at

-- name: user_for_token
-- The enabled user of the token with hash $1, if neither revoked nor expired at $2.
SELECT u.id, u.username, u.display_name, u.role, t.id AS token_id, t.kind
FROM auth_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled
  AND (t.expires_at IS NULL OR t.expires_at > $2)

-- name: revoke_token
-- Revoke token $1 (by id) and every token minted with it, at any depth, unless revoked
-- already; the ids revoked.
WITH RECURSIVE tree AS (
    SELECT id FROM auth_tokens WHERE id = $1
    UNION
    SELECT t.id FROM auth_tokens t JOIN tree ON t.parent_id = tree.id
)
UPDATE auth_tokens SET revoked_at = now()
WHERE id IN (SELECT id FROM tree) AND revoked_at IS NULL
RETURNING id

-- name: revoke_user_tokens
-- Revoke every live token and session of user $1 (by id); the ids revoked.
UPDATE auth_tokens SET revoked_at = now()
WHERE user_id = $1 AND revoked_at IS NULL
RETURNING id

-- name: token_owner
-- Token $1's owner (by id), whether revoked or not: user_id, or no row.
SELECT user_id FROM auth_tokens WHERE id = $1

-- name: token_alive
-- Whether token $1 (by id) still lets its enabled user in at $2.
SELECT EXISTS (
    SELECT FROM auth_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.id = $1 AND t.revoked_at IS NULL AND NOT u.disabled
      AND (t.expires_at IS NULL OR t.expires_at > $2)
)

-- name: list_tokens
-- User $1's live tokens and sessions (by id; neither revoked nor expired at $2), newest
-- first; never their secrets.
SELECT id, kind, label, created_at, expires_at, parent_id FROM auth_tokens
WHERE user_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)
ORDER BY id DESC

-- name: set_user_disabled
-- User $1 (by username) is disabled ($2 true) or enabled again; their row.
UPDATE users SET disabled = $2 WHERE username = $1
RETURNING id, username, display_name, role, disabled, created_at

-- name: user_id
-- The id of user $1 (by username).
SELECT id FROM users WHERE username = $1

-- name: disabled_agent_offline
-- Disabled agent $1 goes offline now, unless on a call (which ends as calls do).
UPDATE agent_states
SET state = 'offline', since = now(), attempt_id = NULL, wrap_up_until = NULL
WHERE user_id = $1 AND state IN ('available', 'paused', 'wrap_up')
