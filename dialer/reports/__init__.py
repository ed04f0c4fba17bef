"""What managers read: reports computed from the ledger and the calls."""
