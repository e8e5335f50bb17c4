"""SocialHub's one way of writing dates and times (settings.FORMAT_MODULE_PATH): "20 Dec 2026"
and "20 Dec 2026, 14:30", in templates ({{ value|date }}, {{ value|date:"DATETIME_FORMAT" }})
and in messages (core.dates)."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j M"
TIME_FORMAT = "H:i"
