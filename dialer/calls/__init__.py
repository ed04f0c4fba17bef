"""Placing calls: the pacer, the carriers (Twilio and its simulator), their callbacks."""
