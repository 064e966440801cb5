"""Reading bulk input: pasted lines and CSV files (BOM, header, columns, limits, quoting)."""
import pytest

from portal.subids.csv_import import (
    MAX_BYTES,
    MAX_ROWS,
    ImportRefused,
    parse_csv,
    parse_pasted,
)
from portal.subids.service import plan_bulk_create
from tests.factories import PublisherFactory, SubIdFactory


def as_rows(candidates):
    return [(c.line, c.fields.external_id, c.fields.name, c.fields.description, c.fields.external_link) for c in candidates]


def test_pasted_lines_take_a_value_and_optionally_a_name_by_comma_or_tab():
    candidates, unreadable = parse_pasted("alpha\n\nbeta,Beta name\r\ngamma\tGamma, with comma\n  \n\"delta\",\"Delta, quoted\"\n")
    assert as_rows(candidates) == [
        (1, "alpha", "", "", ""),
        (3, "beta", "Beta name", "", ""),
        (4, "gamma", "Gamma, with comma", "", ""),
        (6, "delta", "Delta, quoted", "", ""),
    ]
    assert unreadable == []


def test_pasted_lines_with_too_many_values_are_reported_by_line():
    candidates, unreadable = parse_pasted("ok\na,b,c,https://x.example,extra\n")
    assert as_rows(candidates) == [(1, "ok", "", "", "")]
    assert unreadable[0][0] == 2 and "at most 4" in unreadable[0][1]


def test_a_pasted_header_row_is_skipped():
    candidates, _ = parse_pasted("external_id,name\nalpha,Alpha\n")
    assert as_rows(candidates) == [(2, "alpha", "Alpha", "", "")]


def test_pasted_text_over_the_limits_is_refused_whole():
    with pytest.raises(ImportRefused, match="5,000"):
        parse_pasted("\n".join(f"s{n}" for n in range(MAX_ROWS + 1)))
    assert len(parse_pasted("\n".join(f"s{n}" for n in range(MAX_ROWS)))[0]) == MAX_ROWS
    with pytest.raises(ImportRefused, match="1,024 KB"):
        parse_pasted("a" * (MAX_BYTES + 1))


def test_csv_with_and_without_a_byte_order_mark_reads_the_same():
    text = "external_id,name,description,external_link\r\nfb_spring,Facebook spring,\"Line one\nline two\",https://crm.example/1\r\nnl,Newsletter,,\r\n"
    plain, _ = parse_csv(text.encode("utf-8"))
    with_bom, _ = parse_csv(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert as_rows(plain) == as_rows(with_bom) == [
        (2, "fb_spring", "Facebook spring", "Line one\nline two", "https://crm.example/1"),
        (4, "nl", "Newsletter", "", ""),
    ]


def test_csv_columns_may_come_in_any_order_and_some_may_be_left_out():
    candidates, _ = parse_csv("Name , EXTERNAL_ID\nTikTok,tt\n".encode())
    assert as_rows(candidates) == [(2, "tt", "TikTok", "", "")]


def test_csv_without_a_header_row_is_refused():
    with pytest.raises(ImportRefused, match="first row must be the header"):
        parse_csv(b"fb_spring,Facebook\nnl,Newsletter\n")


@pytest.mark.parametrize(
    "header, message",
    [
        ("external_id,name,colour", "Unknown column: colour"),
        ("id,name", "no external_id column"),
        ("external_id,name,name", "more than once"),
        ("", "The file is empty"),
    ],
)
def test_csv_with_wrong_columns_is_refused_with_the_reason(header, message):
    with pytest.raises(ImportRefused, match=message):
        parse_csv(f"{header}\nx,y,z\n".encode() if header else b"")


def test_csv_rows_with_more_cells_than_columns_are_refused_by_line():
    candidates, unreadable = parse_csv(b"external_id,name\nok,OK\nbad,Bad,extra\n")
    assert as_rows(candidates) == [(2, "ok", "OK", "", "")]
    assert unreadable == [(3, "This row has 3 cells but the header names 2 columns.")]


def test_csv_with_too_many_rows_is_refused():
    rows = "\n".join(f"s{n},S {n}" for n in range(MAX_ROWS + 1))
    with pytest.raises(ImportRefused, match="more than 5,000"):
        parse_csv(f"external_id,name\n{rows}\n".encode())


def test_csv_over_one_megabyte_is_refused():
    with pytest.raises(ImportRefused, match="larger than 1,024 KB"):
        parse_csv(b"external_id,name\n" + b"a" * MAX_BYTES)


def test_csv_that_is_not_utf8_is_refused():
    with pytest.raises(ImportRefused, match="not UTF-8"):
        parse_csv("external_id,name\ncafé,Café\n".encode("latin-1"))


def test_malformed_csv_is_refused_not_crashed():
    with pytest.raises(ImportRefused, match="cannot be read as CSV"):
        parse_csv(b'external_id,name\n"unterminated,x\n')


def test_csv_preview_lists_duplicates_existing_and_invalid_values(app):
    publisher = PublisherFactory()
    SubIdFactory(publisher=publisher, external_id="exists")
    candidates, unreadable = parse_csv(
        "\ufeffexternal_id,name\nfresh,Fresh\nfresh,Twice\nexists,Old\nwith space,Bad\nünï,Bad\n,No value\n".encode()
    )
    plan = plan_bulk_create(publisher.id, candidates, unreadable)
    assert [c.fields.external_id for c in plan.accepted] == ["fresh"]
    reasons = {line: " ".join(r) for line, _, r in plan.refusals()}
    assert reasons[3] == "Duplicate of line 2 in this input."
    assert reasons[4] == "You already have this sub ID."
    assert "Use only letters" in reasons[5] and "Use only letters" in reasons[6]
    assert reasons[7] == "Enter the sub ID value."


def test_a_lone_value_that_happens_to_read_external_id_is_a_value_not_a_header():
    assert as_rows(parse_pasted("external_id\nb\n")[0]) == [(1, "external_id", "", "", ""), (2, "b", "", "", "")]
