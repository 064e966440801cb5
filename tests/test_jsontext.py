"""JSON text as stored: Decimals digit for digit, integers of any size, and the engine's column serializer."""
import json
from decimal import Decimal

import pytest

from portal.jsontext import compact_json, json_column_text


def test_decimals_are_written_with_their_own_digits():
    document = {"a": Decimal("12.345678901234567890123"), "b": Decimal("1E+400"), "c": Decimal("1.50"),
                "d": Decimal("-0")}
    assert compact_json(document) == b'{"a":12.345678901234567890123,"b":1E+400,"c":1.50,"d":-0}'


def test_integers_beyond_64_bits_go_in_beside_decimals():
    written = compact_json({"n": [2**70, -(2**64), Decimal("0.1")]})
    assert written == b'{"n":[1180591620717411303424,-18446744073709551616,0.1]}'


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_a_non_finite_decimal_is_refused_not_written_as_invalid_json(number):
    with pytest.raises(TypeError):
        compact_json([Decimal(number)])


def test_the_column_serializer_writes_what_orjson_refuses_as_the_standard_library_did():
    assert json_column_text({1: "a", None: 2}) == json.dumps({1: "a", None: 2})
    assert json_column_text({"x": Decimal("2.50"), "y": [1, "é"]}) == '{"x":2.50,"y":[1,"é"]}'
