"""Target lists: upload, validate, normalise, deduplicate, scrub, store."""
