"""``/metrics`` (``dialer/monitoring.py``) and its histograms (``dialer/metrics.py``)."""

MESSAGES = {
    "metrics are off: set DIALER_METRICS__TOKEN and scrape with it": (
        "metrik tidak aktif: atur DIALER_METRICS__TOKEN dan ambil metrik dengan token itu"
    ),
    "metrics need the metrics token: Authorization: Bearer <token>": (
        "metrik memerlukan token metrik: Authorization: Bearer <token>"
    ),
    "metrics: share() must come before the first observation": (
        "metrik: share() harus dipanggil sebelum pengamatan pertama"
    ),
}
