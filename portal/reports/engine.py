"""Answer a `ReportQuery` from the hourly rollups: grouped rows, a totals row per currency, exact numbers."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterator

from sqlalchemy import case, func, literal, select, text

from portal.creatives.models import Creative
from portal.extensions import db
from portal.ids import parse_id
from portal.links.models import MarketingSource, TrackingLink
from portal.network.models import Advertiser, Offer, Publisher
from portal.reports.models import ReportRollup as R
from portal.reports.query import DIMENSIONS, METRICS, PAGE_SIZE, SUMMED_METRICS, ReportQuery
from portal.reports.rollups import level_for

# The one rounding rule of every report figure (rows, totals, chart, pull, export): money and rates to
# cents, half up. Sums and ratios are taken on the exact stored amounts first and rounded last, so a
# total is the exact sum rounded, never a sum of rounded rows.
CENTS = Decimal("0.01")


def rounded(value: Decimal) -> Decimal:
    """A money or rate figure as a report shows it: two places, half up (66 → 66.00, 8.43333 → 8.43)."""
    return Decimal(value).quantize(CENTS, ROUND_HALF_UP)

NONE_LABEL = "(none)"

# Dimension -> rollup column (date is computed from the hour).
_COLUMNS = {
    "campaign": R.offer_id,
    "link": R.link_id,
    "creative": R.creative_id,
    "marketing_source": R.marketing_source_id,
    "publisher": R.publisher_id,
    "advertiser": R.advertiser_id,
    "sub1": R.sub1,
    "sub2": R.sub2,
    "sub3": R.sub3,
    "sub4": R.sub4,
    "sub5": R.sub5,
    "country": R.country,
}
_LABELS = {
    "campaign": (Offer, Offer.name),
    "link": (TrackingLink, func.coalesce(func.nullif(TrackingLink.name, ""), TrackingLink.public_id)),
    "creative": (Creative, Creative.name),
    "marketing_source": (MarketingSource, MarketingSource.name),
    "publisher": (Publisher, Publisher.name),
    "advertiser": (Advertiser, Advertiser.name),
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str  # dimension, currency, count, money, rate


@dataclass
class ReportRow:
    """One output row: `keys` holds dimension labels (and `currency`), `metrics` exact values."""

    keys: dict[str, str]
    metrics: dict[str, int | Decimal]
    ids: dict[str, int | None] = field(default_factory=dict)  # entity dimension ids, for filter links
    exact: dict[str, int | Decimal] = field(default_factory=dict, repr=False)  # unrounded sums, for the totals

    def cells(self, columns: list[Column]) -> list:
        return [self.keys.get(c.key, "") if c.kind in ("dimension", "currency") else self.metrics[c.key] for c in columns]


@dataclass
class ReportResult:
    columns: list[Column]
    rows: list[ReportRow]  # the requested page, sorted
    totals: list[ReportRow]  # one per currency (one when no money metric is asked for)
    row_count: int
    page: int
    page_count: int


def columns_for(query: ReportQuery) -> list[Column]:
    cols = [Column(d, DIMENSIONS[d], "dimension") for d in query.dimensions]
    if query.money_metrics:
        cols.append(Column("currency", "Currency", "currency"))
    return cols + [Column(m, METRICS[m][0], METRICS[m][1]) for m in query.metrics]


def _date_bucket(query: ReportQuery):
    buckets = query.buckets()
    if len(buckets) == 1:
        return literal(buckets[0][0])
    return case(*[(R.hour < end, label) for label, end in buckets[:-1]], else_=buckets[-1][0])


def _group_columns(query: ReportQuery) -> list:
    cols = [(_date_bucket(query) if d == "date" else _COLUMNS[d]).label(d) for d in query.dimensions]
    if query.money_metrics:
        cols.append(R.currency.label("currency"))
    return cols


def _filtered(stmt, query: ReportQuery):
    start, end = query.utc_bounds()
    # A limit on publishers needs rows that keep the publisher (the network-wide level blanks it).
    by_publisher = query.publisher_id is not None or query.reach.publisher_ids is not None
    level = level_for(set(query.dimensions) | set(query.filters), by_publisher)
    stmt = stmt.where(R.level == level, R.hour >= start, R.hour < end)
    stmt = stmt.where(query.reach.publishers(R.publisher_id), query.reach.advertisers(R.advertiser_id))
    if query.publisher_id is not None:
        stmt = stmt.where(R.publisher_id == query.publisher_id)
    if query.advertiser_id is not None:
        stmt = stmt.where(R.advertiser_id == query.advertiser_id)
    for dim, values in query.filters.items():
        column = _COLUMNS[dim]
        if dim in _LABELS:
            ids = [number for number in map(parse_id, values) if number is not None]
            stmt = stmt.where(column.in_(ids) if "0" not in values else (column.in_(ids) | column.is_(None)))
        else:
            stmt = stmt.where(column.in_(values))
    return stmt


def _statement(query: ReportQuery):
    groups = _group_columns(query)
    sums = [func.sum(getattr(R, m)).label(m) for m in SUMMED_METRICS]
    stmt = select(*groups, *sums)
    stmt = _filtered(stmt, query)
    if groups:
        # By position: PostgreSQL would not match the date CASE's bound parameters in GROUP BY to the select's.
        positions = [text(str(number)) for number in range(1, len(groups) + 1)]
        stmt = stmt.group_by(*positions).order_by(*positions)
    return stmt


def _exact_sums(sums) -> dict[str, int | Decimal]:
    return {m: (sums.get(m) or (Decimal("0") if METRICS[m][1] == "money" else 0)) for m in SUMMED_METRICS}


def _metric_values(exact: dict[str, int | Decimal]) -> dict[str, int | Decimal]:
    """The shown metrics from exact sums: counts as they are, money and rates through `rounded`."""
    values = {m: rounded(v) if METRICS[m][1] == "money" else v for m, v in exact.items()}
    clicks = exact["click_count"]
    values["conversion_rate"] = rounded(Decimal(exact["conversion_count"]) * 100 / clicks) if clicks else Decimal("0.00")
    values["epc"] = rounded(exact["total_reward"] / clicks) if clicks else Decimal("0.00")
    return values


def _labels(dimension: str, ids: set) -> dict:
    if dimension not in _LABELS or not ids:
        return {}
    model, label = _LABELS[dimension]
    wanted = [i for i in ids if i is not None]
    found = dict(db.session.execute(select(model.id, label).where(model.id.in_(wanted))).all()) if wanted else {}
    return {i: found.get(i, f"#{i}") for i in wanted}


def _to_rows(query: ReportQuery, records: list) -> list[ReportRow]:
    labels = {d: _labels(d, {getattr(r, d) for r in records}) for d in query.dimensions if d in _LABELS}
    rows = []
    for record in records:
        data = record._mapping
        keys, ids = {}, {}
        for d in query.dimensions:
            value = data[d]
            if d in labels:
                ids[d] = value
                keys[d] = labels[d].get(value, NONE_LABEL) if value is not None else NONE_LABEL
            else:
                keys[d] = value if value not in (None, "") else ""
        if query.money_metrics:
            keys["currency"] = data["currency"] or ""
        exact = _exact_sums(data)
        rows.append(ReportRow(keys, _metric_values(exact), ids, exact))
    return rows


def _sort_key(column: str, kind: str):
    if kind in ("dimension", "currency"):
        return lambda row: (row.keys.get(column) or "").lower()
    return lambda row: row.metrics[column]


def _totals(query: ReportQuery, rows: list[ReportRow]) -> list[ReportRow]:
    """Totals are the exact sum of the rows, per currency when money is shown, rounded like a row."""
    by_currency: dict[str, dict] = {}
    for row in rows:
        sums = by_currency.setdefault(row.keys.get("currency", ""), {m: None for m in SUMMED_METRICS})
        for m in SUMMED_METRICS:
            sums[m] = row.exact[m] if sums[m] is None else sums[m] + row.exact[m]
    if not by_currency:
        by_currency[""] = {}
    totals = []
    for currency, sums in sorted(by_currency.items()):
        keys = {d: "" for d in query.dimensions}
        if query.dimensions:
            keys[query.dimensions[0]] = "Total"
        if query.money_metrics:
            keys["currency"] = currency
        totals.append(ReportRow(keys, _metric_values(_exact_sums(sums)), exact=_exact_sums(sums)))
    return totals


def run(query: ReportQuery, *, paginate: bool = True) -> ReportResult:
    """The report: every group summed from the rollups, sorted, one page of rows and the totals."""
    columns = columns_for(query)
    rows = _to_rows(query, db.session.execute(_statement(query)).all())
    kinds = {c.key: c.kind for c in columns}
    sort = query.sort if query.sort in kinds else ("date" if "date" in query.dimensions else None)
    if sort:
        rows.sort(key=_sort_key(sort, kinds[sort]), reverse=query.descending)
    totals = _totals(query, rows)
    count = len(rows)
    pages = max(1, -(-count // PAGE_SIZE))
    page = min(query.page, pages)
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE] if paginate else rows
    return ReportResult(columns, shown, totals, count, page, pages)


def iter_rows(query: ReportQuery, batch_size: int = 2000) -> Iterator[ReportRow]:
    """Every row of the report in dimension order, fetched in batches from a server-side cursor
    (for exports: memory stays flat however many groups there are). Totals: `run(query).totals`."""
    result = db.session.execute(_statement(query).execution_options(yield_per=batch_size))
    for chunk in result.partitions():
        yield from _to_rows(query, list(chunk))


def series(query: ReportQuery) -> tuple[list[str], dict[str, list]]:
    """The chart metric per date bucket over the whole range: labels, and values per currency."""
    metric = query.chart
    by_date = ReportQuery(
        dimensions=["date"],
        metrics=[metric],
        filters=query.filters,
        start_date=query.start_date,
        end_date=query.end_date,
        date_range="custom",
        grain=query.grain,
        timezone=query.timezone,
        publisher_id=query.publisher_id,
        advertiser_id=query.advertiser_id,
        reach=query.reach,
    )
    labels = [label for label, _ in by_date.buckets()]
    lines: dict[str, dict[str, object]] = {}
    for row in _to_rows(by_date, db.session.execute(_statement(by_date)).all()):
        lines.setdefault(row.keys.get("currency", ""), {})[row.keys["date"]] = row.metrics[metric]
    zero = Decimal("0") if METRICS[metric][1] != "count" else 0
    return labels, {cur: [points.get(label, zero) for label in labels] for cur, points in sorted(lines.items())}
