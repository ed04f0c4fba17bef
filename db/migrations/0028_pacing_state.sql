-- Issue 21: how the campaign is paced, as its pacer last saw it — the mode, the target
-- and the target it paces at now (lowered as the abandon rate nears the limit), whether
-- it slowed down for that, and the estimates it sized the last calls with. Written when
-- "slowed" changes (with a campaign event) and every few seconds otherwise; the
-- campaign page shows it.
ALTER TABLE campaign_pacing
    ADD COLUMN mode              text,
    ADD COLUMN target_percent    real,
    ADD COLUMN effective_percent real,
    ADD COLUMN slowed            boolean NOT NULL DEFAULT false,
    ADD COLUMN slowed_at         timestamptz,
    ADD COLUMN estimates         jsonb,
    ADD COLUMN sized_at          timestamptz;
