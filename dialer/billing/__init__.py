"""Bills and what paying them late costs: the penalty quote, and (next) where bill
figures come from."""
