"""English dates as the portal writes them (docs/product.md, "Web pages"): "2 December 2026",
day before month and the 24-hour clock, as the German pages and the practice do, instead of
Django's American "Dec. 2, 2026". What forms accept stays Django's English default."""

from django.conf.locale.en.formats import (  # type: ignore[import-untyped]  # noqa: F401 (re-exported format settings)
    DATE_INPUT_FORMATS,
    DATETIME_INPUT_FORMATS,
    DECIMAL_SEPARATOR,
    NUMBER_GROUPING,
    THOUSAND_SEPARATOR,
    TIME_INPUT_FORMATS,
)

DATE_FORMAT = "j F Y"  # 2 December 2026
TIME_FORMAT = "H:i"  # 14:30
DATETIME_FORMAT = "j F Y, H:i"  # 2 December 2026, 14:30
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "j F"  # 2 December
SHORT_DATE_FORMAT = "d/m/Y"  # 02/12/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 02/12/2026 14:30
FIRST_DAY_OF_WEEK = 1  # Monday
