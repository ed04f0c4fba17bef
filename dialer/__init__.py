"""The outbound-campaign dialer backend."""

__version__ = "0.1.0"
