"""The campaign forecast (issue 21): when the list will be exhausted and the voucher
quota used up, the chance of finishing by the campaign's end and the agents needed —
each with a range, and the inputs it used (docs/forecast.md).

``models`` (what was observed), ``estimates`` (the parameters and their priors),
``plan``, ``sampling`` and ``simulation`` (one simulated future), ``runner`` (the
runs, their cost, the agents search), ``figures`` and ``service`` (the figures as JSON),
``repo`` (the queries) and ``routes`` (``GET /api/campaigns/{c}/forecast``). Everything
but ``repo``, ``service.campaign_forecast`` and ``routes`` is pure.
"""
