"""What a report asks for: dimensions, metrics, filters, dates, the owner's time zone and data scope.

A `ReportQuery` round-trips through URL query strings (`from_args` / `to_args`), so the builder keeps
its whole state in the URL and a saved preset is the same arguments. The scope (publisher_id /
advertiser_id, and a staff user's `reach`) never comes from the URL: the caller sets it from the
signed-in user or the preset.
`run(query)` (portal.reports.engine) answers it from the rollups."""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from portal.dateranges import DATE_RANGES, MAX_DAYS, resolve_range
from portal.ids import parse_id
from portal.network.reach import DataReach
from portal.paging import page_number
from portal.timezones import check_day, today_in, zone

# Dimension name -> label. `publisher` and `advertiser` only for admins.
DIMENSIONS = {
    "date": "Date",
    "campaign": "Campaign",
    "link": "Link",
    "creative": "Creative",
    "marketing_source": "Marketing source",
    "sub1": "Sub 1",
    "sub2": "Sub 2",
    "sub3": "Sub 3",
    "sub4": "Sub 4",
    "sub5": "Sub 5",
    "country": "Country",
    "publisher": "Publisher",
    "advertiser": "Advertiser",
}
NETWORK_DIMENSIONS = ("publisher", "advertiser")
ENTITY_DIMENSIONS = ("campaign", "link", "creative", "marketing_source", "publisher", "advertiser")
GRAINS = ("day", "week", "month")

# Metric name -> (label, kind). Kinds: count (int), money (Decimal, per currency), rate (Decimal %).
METRICS = {
    "click_count": ("Clicks", "count"),
    "unique_click_count": ("Unique clicks", "count"),
    "banner_view_count": ("Banner views", "count"),
    "registration_count": ("Registrations", "count"),
    "ftd_count": ("FTDs", "count"),
    "conversion_count": ("Conversions", "count"),
    "conversion_rate": ("Conversion rate %", "rate"),
    "deposit_amount": ("Deposits", "money"),
    "ngr": ("NGR", "money"),
    "total_reward": ("Total reward", "money"),
    "epc": ("EPC", "money"),
}
SUMMED_METRICS = tuple(name for name in METRICS if name not in ("conversion_rate", "epc"))
DEFAULT_METRICS = ("click_count", "unique_click_count", "registration_count", "ftd_count", "deposit_amount", "total_reward")

PAGE_SIZE = 50


class InvalidQuery(ValueError):
    """A report argument that cannot be honoured; the message names it."""


def parse_date(value: str, name: str) -> date:
    try:
        if len(value) != 10:
            raise ValueError
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidQuery(f"{name}: expected a date as YYYY-MM-DD, got {value[:40]!r}") from None
    try:
        return check_day(day, name)
    except ValueError as outside:
        raise InvalidQuery(str(outside)) from None


@dataclass
class ReportQuery:
    dimensions: list[str] = field(default_factory=lambda: ["date"])
    metrics: list[str] = field(default_factory=lambda: list(DEFAULT_METRICS))
    filters: dict[str, list[str]] = field(default_factory=dict)
    start_date: date | None = None
    end_date: date | None = None
    date_range: str = "last_7_days"  # a relative name, or "custom" for the fixed start/end dates
    grain: str = "day"
    timezone: str = "UTC"
    publisher_id: int | None = None
    advertiser_id: int | None = None
    reach: DataReach = DataReach()  # staff: the publishers and advertisers whose rows they see
    sort: str | None = None
    descending: bool = False
    page: int = 1
    chart_metric: str | None = None

    @property
    def network_wide(self) -> bool:
        """Neither a publisher's nor an advertiser's report: network staff see every row in their reach."""
        return self.publisher_id is None and self.advertiser_id is None

    @property
    def money_metrics(self) -> list[str]:
        return [m for m in self.metrics if METRICS[m][1] == "money"]

    @property
    def chart(self) -> str:
        return self.chart_metric if self.chart_metric in self.metrics else self.metrics[0]

    def allowed_dimensions(self) -> list[str]:
        return [d for d in DIMENSIONS if self.network_wide or d not in NETWORK_DIMENSIONS]

    @classmethod
    def from_args(
        cls,
        args,
        *,
        timezone: str = "UTC",
        publisher_id: int | None = None,
        advertiser_id: int | None = None,
        reach: DataReach = DataReach(),
        today: date | None = None,
    ) -> "ReportQuery":
        """Read the builder's URL arguments (a MultiDict or a dict of lists). Unknown dimensions and
        metrics are dropped; bad dates raise `InvalidQuery`."""
        getlist = args.getlist if hasattr(args, "getlist") else (lambda key: list(args.get(key, [])))
        get = args.get if hasattr(args, "getlist") else (lambda key, default=None: (args.get(key) or [default])[0])
        query = cls(timezone=timezone, publisher_id=publisher_id, advertiser_id=advertiser_id, reach=reach)
        allowed = query.allowed_dimensions()
        dims = [d for d in _unique(getlist("dim")) if d in allowed]
        if dims or get("dims_set"):
            query.dimensions = dims
        metrics = [m for m in _unique(getlist("metric")) if m in METRICS]
        if metrics:
            query.metrics = metrics
        query.filters = {
            d: [v for v in _unique(getlist(f"f_{d}")) if v != ""][:100]
            for d in allowed
            if d != "date" and any(getlist(f"f_{d}"))
        }
        query.filters = {d: values for d, values in query.filters.items() if values}
        for d in ENTITY_DIMENSIONS:
            if d in query.filters and any(parse_id(v) is None for v in query.filters[d]):
                raise InvalidQuery(f"f_{d}: expected numeric ids")
        grain = get("grain") or "day"
        query.grain = grain if grain in GRAINS else "day"
        query.date_range = get("range") or ("custom" if get("start") or get("end") else "last_7_days")
        if query.date_range not in DATE_RANGES:
            raise InvalidQuery(f"range: unknown value {query.date_range[:40]!r}")
        if query.date_range == "custom":
            today = today or today_in(timezone)
            query.start_date = parse_date(get("start"), "start") if get("start") else today - timedelta(days=6)
            query.end_date = parse_date(get("end"), "end") if get("end") else today
        query.sort = get("sort") or None
        query.descending = get("dir") == "desc"
        query.page = page_number(get("page")) or 1
        chart = get("chart")
        query.chart_metric = chart if chart in METRICS else None
        query.resolve_dates(today)
        return query

    def resolve_dates(self, today: date | None = None) -> "ReportQuery":
        """Turn a relative range into dates for today in the owner's zone; check the dates' order and span."""
        if self.date_range != "custom":
            try:
                self.start_date, self.end_date = resolve_range(self.date_range, today or today_in(self.timezone))
            except ValueError as unknown:
                raise InvalidQuery(str(unknown)) from None
        if self.start_date > self.end_date:
            raise InvalidQuery("start date is after end date")
        if (self.end_date - self.start_date).days >= MAX_DAYS:
            raise InvalidQuery(f"date range: at most {MAX_DAYS} days")
        return self

    def with_dates(self, start: date | None, end: date | None) -> "ReportQuery":
        """A copy over a fixed range (the token pull's startDate / endDate override)."""
        copy = replace(self, filters=dict(self.filters), dimensions=list(self.dimensions), metrics=list(self.metrics))
        if start or end:
            copy.start_date = start or copy.start_date
            copy.end_date = end or copy.end_date
            copy.date_range = "custom"
        return copy.resolve_dates()

    def to_args(self, **changes) -> list[tuple[str, str]]:
        """URL arguments that `from_args` reads back to an equal query (scope and zone excepted).
        `changes` override single values, e.g. `to_args(sort="ngr", page=None)`."""
        values: dict[str, object] = {
            "range": self.date_range,
            "start": self.start_date.isoformat() if self.date_range == "custom" and self.start_date else None,
            "end": self.end_date.isoformat() if self.date_range == "custom" and self.end_date else None,
            "grain": self.grain if self.grain != "day" else None,
            "sort": self.sort,
            "dir": "desc" if self.descending else None,
            "page": str(self.page) if self.page > 1 else None,
            "chart": self.chart_metric,
        }
        values.update(changes)
        args: list[tuple[str, str]] = [("dims_set", "1")] + [("dim", d) for d in self.dimensions]
        args += [("metric", m) for m in self.metrics]
        for d, filter_values in self.filters.items():
            args += [(f"f_{d}", v) for v in filter_values]
        args += [(key, str(value)) for key, value in values.items() if value not in (None, "")]
        return args

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnight of the start date to local midnight after the end date."""
        tz = zone(self.timezone)
        start = datetime.combine(self.start_date, datetime.min.time(), tz)
        end = datetime.combine(self.end_date + timedelta(days=1), datetime.min.time(), tz)
        return start.astimezone(zone("UTC")), end.astimezone(zone("UTC"))

    def buckets(self) -> list[tuple[str, datetime]]:
        """The date buckets of the range at this grain: (label, UTC instant where the bucket ends)."""
        tz, out = zone(self.timezone), []
        day = self.start_date
        while day <= self.end_date:
            if self.grain == "week":
                label, nxt = (day - timedelta(days=day.weekday())).isoformat(), day + timedelta(days=7 - day.weekday())
            elif self.grain == "month":
                label = day.strftime("%Y-%m")
                nxt = day.replace(day=calendar.monthrange(day.year, day.month)[1]) + timedelta(days=1)
            else:
                label, nxt = day.isoformat(), day + timedelta(days=1)
            nxt = min(nxt, self.end_date + timedelta(days=1))
            out.append((label, datetime.combine(nxt, datetime.min.time(), tz).astimezone(zone("UTC"))))
            day = nxt
        return out


def _unique(values) -> list[str]:
    seen: list[str] = []
    for value in values:
        value = str(value).strip()
        if value not in seen:
            seen.append(value)
    return seen


def run(query: ReportQuery, *, paginate: bool = True):
    """Answer the query from the rollups: `ReportResult(columns, rows, totals, …)` (see portal.reports.engine)."""
    from portal.reports.engine import run as run_report

    return run_report(query, paginate=paginate)


def iter_rows(query: ReportQuery, batch_size: int = 2000):
    """Every row of the report, streamed in batches, for exports."""
    from portal.reports.engine import iter_rows as stream

    return stream(query, batch_size)
