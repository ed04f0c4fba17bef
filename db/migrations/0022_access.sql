-- Issue 19, point 7: tokens that expire and can be revoked, and agents assigned to
-- the campaigns they may join.

-- The token a token was minted with (a session's API tokens die with its logout).
ALTER TABLE auth_tokens
    ADD COLUMN parent_id bigint REFERENCES auth_tokens (id) ON DELETE SET NULL;
CREATE INDEX auth_tokens_parent ON auth_tokens (parent_id) WHERE parent_id IS NOT NULL;

-- API tokens minted before expiry existed never expired: they get the default life
-- (30 days) from now, so none dies by surprise at the upgrade and none lives forever.
UPDATE auth_tokens SET expires_at = now() + interval '30 days'
WHERE expires_at IS NULL AND revoked_at IS NULL;

-- Which agents may join which campaign (a manager assigns them).
CREATE TABLE campaign_agents (
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assigned_at  timestamptz NOT NULL DEFAULT now(),
    assigned_by  text NOT NULL DEFAULT '',
    PRIMARY KEY (campaign_id, user_id)
);
CREATE INDEX campaign_agents_user ON campaign_agents (user_id);

-- Agents at work in a campaign at the upgrade stay assigned to it.
INSERT INTO campaign_agents (campaign_id, user_id, assigned_by)
SELECT campaign_id, user_id, 'migration 0022' FROM agent_states WHERE campaign_id IS NOT NULL
ON CONFLICT DO NOTHING;
