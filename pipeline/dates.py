"""Publication dates as fractional years, the x axis of every fit and figure.

Its own module so that the report, which only places dates, does not import the fitting
stack (scipy) that pipeline.trends needs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Where in its period a date of month or year precision is placed for fitting.
PERIOD_MIDPOINT_DAYS = {"day": 0.0, "month": 14.5, "year": 181.5}


def decimal_year(dates: pd.Series, precision: pd.Series | None = None) -> pd.Series:
    """Dates as fractional years; a month- or year-precise date sits mid-period."""
    dates = pd.to_datetime(dates)
    # astype(object) first: on pandas' str dtype, map() would return strings.
    offset = 0.0 if precision is None else precision.astype(object).map(PERIOD_MIDPOINT_DAYS).astype(float).fillna(0.0)
    days_in_year = np.where(dates.dt.is_leap_year, 366.0, 365.0)
    return dates.dt.year + (dates.dt.day_of_year - 1 + offset) / days_in_year
