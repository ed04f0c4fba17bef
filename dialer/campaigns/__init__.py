"""Campaigns: definitions as data (TOML), versions, and their life cycle."""
