"""Vouchers: the campaign's codes, the ledger of vouchers issued, and their changes."""
