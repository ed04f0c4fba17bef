"""The pages and their vocabulary (``dialer/pages``)."""

MESSAGES = {
    "lang {language} is not one of id, en": "lang {language} bukan salah satu dari id, en",
}
