"""Pure rules: no I/O, no HTTP, no database; plain functions to test exhaustively."""
