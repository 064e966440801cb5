"""Countries from a real MaxMind-format database, written for the test with mmdb-writer."""
import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet
from sqlalchemy import select

from portal.extensions import db
from portal.tracking.geo import lookup_country, visitor_country
from portal.tracking.jobs import flush_clicks
from portal.tracking.models import Click
from tests.tracking.conftest import browser


@pytest.fixture
def geoip(app, tmp_path, monkeypatch):
    """A country database that knows 203.0.113.0/24 (SE), 2001:db8::/32 (DE) and 127.0.0.0/8 (NO)."""
    writer = MMDBWriter(ip_version=6, database_type="GeoLite2-Country", ipv4_compatible=True)
    writer.insert_network(IPSet(["203.0.113.0/24"]), {"country": {"iso_code": "SE"}})
    writer.insert_network(IPSet(["2001:db8::/32"]), {"country": {"iso_code": "de"}})
    writer.insert_network(IPSet(["127.0.0.0/8"]), {"registered_country": {"iso_code": "NO"}})
    path = tmp_path / "country.mmdb"
    writer.to_db_file(str(path))
    monkeypatch.setitem(app.config, "GEOIP_DATABASE", str(path))
    app.extensions.pop("tracklane.geoip_reader", None)
    yield app
    app.extensions.pop("tracklane.geoip_reader", None)


def test_lookup_finds_ipv4_and_ipv6_networks(geoip):
    assert lookup_country(geoip, "203.0.113.77") == "SE"
    assert lookup_country(geoip, "2001:db8::1") == "DE"
    assert lookup_country(geoip, "127.0.0.1") == "NO"  # registered country when no country is known


@pytest.mark.parametrize("ip", ["198.51.100.1", "", "not-an-ip", "999.1.1.1"])
def test_unknown_or_malformed_addresses_have_no_country(geoip, ip):
    assert lookup_country(geoip, ip) == ""


def test_without_a_database_there_is_no_lookup(app, monkeypatch):
    monkeypatch.setitem(app.config, "GEOIP_DATABASE", "")
    app.extensions.pop("tracklane.geoip_reader", None)
    assert lookup_country(app, "203.0.113.77") == ""


def test_an_unreadable_database_is_logged_and_ignored(app, tmp_path, monkeypatch, caplog):
    broken = tmp_path / "broken.mmdb"
    broken.write_bytes(b"not a database")
    monkeypatch.setitem(app.config, "GEOIP_DATABASE", str(broken))
    app.extensions.pop("tracklane.geoip_reader", None)
    assert lookup_country(app, "203.0.113.77") == ""
    assert "cannot be read" in caplog.text
    app.extensions.pop("tracklane.geoip_reader", None)


def test_a_valid_proxy_header_wins_over_the_database(geoip):
    assert visitor_country(geoip, "fi", "203.0.113.77") == "FI"
    assert visitor_country(geoip, "XX", "203.0.113.77") == "SE"
    assert visitor_country(geoip, None, "203.0.113.77") == "SE"


def test_clicks_get_their_country_from_the_database(client, link, geoip):
    for _ in range(2):  # the first through Flask, the second through the fast path
        assert browser(client, f"/api/v1/track/click/{link.public_id}").status_code == 302
    flush_clicks()
    assert db.session.scalars(select(Click.country)).all() == ["NO", "NO"]  # the test client is 127.0.0.1
