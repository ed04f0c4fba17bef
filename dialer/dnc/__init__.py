"""The global do-not-call list, across campaigns."""
