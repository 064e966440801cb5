"""Read bulk sub ID input, pasted lines or an uploaded CSV file, into numbered candidates (csv module only).

Limits hold for both forms: at most MAX_BYTES of UTF-8 and MAX_ROWS sub IDs."""
from __future__ import annotations

import csv
import io

from portal.subids.service import Candidate, SubIdFields

MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000
COLUMNS = ("external_id", "name", "description", "external_link")
REQUIRED_COLUMNS = ("external_id",)


class ImportRefused(ValueError):
    """The input as a whole cannot be read (too big, not UTF-8, no header …); nothing is previewed."""


def decode(data: bytes) -> str:
    """UTF-8 text, with or without a byte order mark."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"The input is larger than {MAX_BYTES // 1024:,} KB; split it into smaller files.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        raise ImportRefused(f"The file is not UTF-8 text (byte {bad.start + 1} cannot be read); save it as CSV UTF-8.") from bad


def _too_many_rows() -> ImportRefused:
    return ImportRefused(f"The input has more than {MAX_ROWS:,} sub IDs; split it into smaller parts.")


def _fields(cells: list[str]) -> SubIdFields:
    values = dict(zip(COLUMNS, cells))
    return SubIdFields(**{name: values.get(name, "") for name in COLUMNS})


def parse_pasted(text: str) -> tuple[list[Candidate], list[tuple[int, str]]]:
    """One sub ID per line, optionally followed by name, description and link, separated by commas or tabs.

    Returns the candidates and the lines that cannot be read at all (line number, reason)."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ImportRefused(f"The text is larger than {MAX_BYTES // 1024:,} KB; paste it in smaller parts.")
    candidates: list[Candidate] = []
    unreadable: list[tuple[int, str]] = []
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if not line.strip():
            continue
        delimiter = "\t" if "\t" in line else ","
        try:
            cells = next(csv.reader([line], delimiter=delimiter, strict=True), [])
        except csv.Error as bad:
            unreadable.append((number, f"This line cannot be read: {bad}."))
            continue
        if not candidates and not unreadable and _is_header(cells):
            continue  # a pasted header row
        if len(candidates) + len(unreadable) >= MAX_ROWS:
            raise _too_many_rows()
        if len(cells) > len(COLUMNS):
            unreadable.append((number, _extra_cells_reason(len(cells))))
            continue
        candidates.append(Candidate(number, _fields(cells)))
    return candidates, unreadable


def _is_header(cells: list[str]) -> bool:
    names = [cell.strip().lower() for cell in cells]
    return len(names) > 1 and names[0] == "external_id" and set(names) <= set(COLUMNS)


def _extra_cells_reason(count: int) -> str:
    return (
        f"This line has {count} values; give at most {len(COLUMNS)} ({', '.join(COLUMNS)}). "
        "Quote a name that contains a comma."
    )


def parse_csv(data: bytes) -> tuple[list[Candidate], list[tuple[int, str]]]:
    """A CSV file whose first row names its columns: external_id, then any of name, description, external_link."""
    return parse_csv_text(decode(data))


def parse_csv_text(text: str) -> tuple[list[Candidate], list[tuple[int, str]]]:
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ImportRefused(f"The input is larger than {MAX_BYTES // 1024:,} KB; split it into smaller files.")
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    candidates: list[Candidate] = []
    unreadable: list[tuple[int, str]] = []
    try:
        columns = _header_columns(next(reader, None))
        while True:
            line = reader.line_num + 1  # where this record starts: a quoted cell may span lines
            cells = next(reader, None)
            if cells is None:
                break
            if not any(cell.strip() for cell in cells):
                continue
            if len(candidates) + len(unreadable) >= MAX_ROWS:
                raise _too_many_rows()
            if len(cells) > len(columns):
                unreadable.append((line, f"This row has {len(cells)} cells but the header names {len(columns)} columns."))
                continue
            values = dict(zip(columns, cells))
            candidates.append(Candidate(line, SubIdFields(**{name: values.get(name, "") for name in COLUMNS})))
    except csv.Error as bad:
        raise ImportRefused(f"The file cannot be read as CSV near line {reader.line_num}: {bad}.") from bad
    return candidates, unreadable


def _header_columns(header: list[str] | None) -> list[str]:
    expected = ", ".join(COLUMNS)
    if header is None or not any(cell.strip() for cell in header):
        raise ImportRefused(f"The file is empty; its first row must name the columns: {expected}.")
    columns = [cell.strip().lower() for cell in header]
    if "external_id" not in columns:
        if any(cell.strip() for cell in header) and not set(columns) & set(COLUMNS):
            raise ImportRefused(f"The first row must be the header row naming the columns: {expected}.")
        raise ImportRefused(f"The header has no external_id column; name the columns {expected}.")
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        raise ImportRefused(f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. Use only {expected}.")
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise ImportRefused(f"The header names {', '.join(repeated)} more than once.")
    return columns
