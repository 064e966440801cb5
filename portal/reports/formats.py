"""A report as CSV or JSON: the shapes of the token pull (SPEC §4)."""
from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Iterable

from portal.csvsafe import safe_row
from portal.reports.engine import Column, ReportResult, ReportRow
from portal.types import utcnow

TWO_PLACES = Decimal("0.01")


def format_number(value) -> str:
    """Exact text for a metric: integers as is, decimals with at least two places and no float."""
    if isinstance(value, Decimal):
        value = value.normalize()
        if value == value.to_integral() or -value.as_tuple().exponent < 2:
            value = value.quantize(TWO_PLACES)
        return format(value, "f")
    return str(value)


def text_cells(row: ReportRow, columns: list[Column]) -> list[str]:
    """A report row's cells as text, as the pull's CSV and the download center's export write them."""
    return [c if isinstance(c, str) else format_number(c) for c in row.cells(columns)]


def csv_lines(columns: list[Column], rows: Iterable[ReportRow], totals: list[ReportRow]) -> Iterable[str]:
    """Header, data rows, then the totals row(s); text cells that could start a formula are neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(safe_row(c.label for c in columns))
    for row in [*rows, *totals]:
        yield line(safe_row(text_cells(row, columns)))


def _metrics(row: ReportRow, columns: list[Column]) -> dict:
    """Metrics as JSON numbers: counts as integers, money and rates as the engine's exact Decimals (two
    places), which `portal.jsontext.compact_json` writes digit for digit: 66.00, never "66.00" nor 66.0."""
    return {c.key: row.metrics[c.key] for c in columns if c.kind not in ("dimension", "currency")}


def _group_keys(row: ReportRow, columns: list[Column]) -> dict:
    return {c.key: row.keys.get(c.key, "") for c in columns if c.kind in ("dimension", "currency")}


def as_json(result: ReportResult) -> dict:
    """`{"rows": [{"groupKeys", "metrics"}], "totals", "generatedAt"}`, to be written by `compact_json`.
    With one currency (or none) `totals` is one metrics object; with several, money cannot be summed
    across them, so `totals` holds only the counts and `totalsByCurrency` one metrics object per currency."""
    columns = result.columns
    rows = [{"groupKeys": _group_keys(row, columns), "metrics": _metrics(row, columns)} for row in result.rows]
    body: dict = {"rows": rows}
    if len(result.totals) == 1:
        body["totals"] = _metrics(result.totals[0], columns)
        if any(c.kind == "currency" for c in columns):
            body["totals"]["currency"] = result.totals[0].keys.get("currency", "")
    else:
        counts = [c for c in columns if c.kind == "count"]
        body["totals"] = {c.key: sum(t.metrics[c.key] for t in result.totals) for c in counts}
        body["totalsByCurrency"] = [
            {"currency": t.keys.get("currency", ""), "metrics": _metrics(t, columns)} for t in result.totals
        ]
    body["generatedAt"] = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    return body
