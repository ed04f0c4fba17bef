"""The outside world the product talks to, real and simulated: the telephony carrier
(Twilio, or a simulator that runs the same protocol), WhatsApp (Twilio, or its
simulator), the voucher partner's simulator, one shared Twilio client with its retries,
the signatures on callbacks both ways, and the token bucket that keeps every node
within a provider's rate. Each provider reports its own limits; no one above branches
on which provider it is. The node (``runtime.py``) chooses and builds them."""
