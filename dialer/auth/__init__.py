"""Users (managers and agents), passwords, login sessions and API tokens."""
