"""The visitor's country: the trusted proxy's header when one is configured, else a GeoIP lookup.

The GeoIP database is any MaxMind-format country file (GeoLite2-Country, DB-IP Lite …) named by
GEOIP_DATABASE; it is opened once per process, memory-mapped, and never required."""
from __future__ import annotations

import logging
import re

import maxminddb
from flask import Flask

log = logging.getLogger("tracklane.tracking")

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_READER = "tracklane.geoip_reader"


def normalise_country(value: str) -> str:
    """An ISO 3166 alpha-2 code in capitals, or "" (unknown; also for the placeholders XX and T1)."""
    value = (value or "").strip().upper()
    return value if _COUNTRY.fullmatch(value) and value not in ("XX", "T1") else ""


def _reader(app: Flask):
    if _READER not in app.extensions:
        path = app.config.get("GEOIP_DATABASE")
        reader = None
        if path:
            try:
                reader = maxminddb.open_database(path)
            except (OSError, maxminddb.InvalidDatabaseError) as exc:
                log.error("GeoIP database %s cannot be read, countries come from the proxy header only: %s", path, exc)
        app.extensions[_READER] = reader
    return app.extensions[_READER]


def lookup_country(app: Flask, ip: str) -> str:
    reader = _reader(app)
    if reader is None or not ip:
        return ""
    try:
        record = reader.get(ip)
    except ValueError:  # not an IP address
        return ""
    if not isinstance(record, dict):
        return ""
    country = record.get("country") or record.get("registered_country") or {}
    return normalise_country(country.get("iso_code", "") if isinstance(country, dict) else "")


def visitor_country(app: Flask, header_value: str | None, ip: str) -> str:
    """The proxy header's country when the header is configured and valid, else the GeoIP answer."""
    if header_value:
        country = normalise_country(header_value)
        if country:
            return country
    return lookup_country(app, ip)
