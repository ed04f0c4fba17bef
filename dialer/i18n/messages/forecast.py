"""The campaign forecast (``dialer/forecast``)."""

MESSAGES = {
    "query parameter 'agents' must be a whole number from 0 to {MAX_AGENTS}, not {raw}": (
        "parameter kueri 'agents' harus bilangan bulat dari 0 sampai {MAX_AGENTS}, bukan {raw}"
    ),
}
