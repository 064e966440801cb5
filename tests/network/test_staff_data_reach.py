"""Conversions, reports, logs, exports and the dashboard as an account manager whose reach is Limited.

Mine (managed by the manager) and Outside (not) on both sides: a conversion, a click and banner views of my
publisher on my offer, of the outside publisher on my offer, and of my publisher on the outside offer. Every
out-of-reach name carries "outside", so no page, CSV or figure of a Limited manager may show it; a Global
manager still sees all three."""
from __future__ import annotations

import csv
import io
import re
import shutil
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from portal.accounts.models import ManagerAccess
from portal.conversions.models import Conversion, ConversionChange, ConversionStatus
from portal.exports.models import Export, ExportStatus
from portal.exports.service import export_folder
from portal.extensions import db
from portal.reports.models import ReportPreset
from portal.reports.presets import token_for
from portal.reports.rollups import floor_hour, rebuild
from portal.tracking.models import ImpressionCount
from portal.types import utcnow
from tests.exports.conftest import csv_rows, work_exports
from tests.factories import (
    AdvertiserFactory,
    ClickFactory,
    ConversionFactory,
    CreativeFactory,
    OfferFactory,
    PublisherFactory,
    TrackingLinkFactory,
)
from tests.network.conftest import HX, body

MARKER = "outside"  # in every out-of-reach name; no template says it
LOGS = ("clicks", "conversions", "impressions")
PAYOUTS = {"mine": Decimal("10.00"), "outside": Decimal("200.00"), "outsidemixed": Decimal("3000.00")}


@pytest.fixture(autouse=True)
def empty_export_folder(app):
    yield
    shutil.rmtree(export_folder(), ignore_errors=True)


@pytest.fixture
def world(manager_user):
    manager_user.publisher_manager_access = ManagerAccess.LIMITED
    manager_user.advertiser_manager_access = ManagerAccess.LIMITED
    sides = {"in": "Mine", "out": "Outside"}
    pub = {side: PublisherFactory(name=f"{name} Media") for side, name in sides.items()}
    adv = {side: AdvertiserFactory(name=f"{name} Brand") for side, name in sides.items()}
    pub["in"].manager_id = adv["in"].manager_id = manager_user.id
    offer = {side: OfferFactory(name=f"{name} Offer", advertiser=adv[side]) for side, name in sides.items()}
    banner = {side: CreativeFactory(offer=offer[side], name=f"{name} Banner") for side, name in sides.items()}
    hour = floor_hour(utcnow()) - timedelta(hours=2)
    # sub1 / link name -> (publisher, offer): mine × mine is in reach, the other two name something outside.
    pairs = {"mine": ("in", "in"), "outside": ("out", "in"), "outsidemixed": ("in", "out")}
    conversions = {}
    for name, (publisher, on) in pairs.items():
        link = TrackingLinkFactory(publisher=pub[publisher], offer=offer[on], name=f"{name.capitalize()} link")
        click = ClickFactory(link=link, sub1=name, created_at=hour + timedelta(minutes=10))
        conversions[name] = ConversionFactory(
            link=link, click_id=click.click_id, payout=PAYOUTS[name], created_at=hour + timedelta(minutes=20)
        ).id
        db.session.add(ImpressionCount(creative_id=banner[on].id, link_id=link.id, publisher_id=link.publisher_id,
                                       hour=hour, count=7))
    db.session.commit()
    rebuild(hour, hour + timedelta(hours=1))
    return dict(pub=pub, adv=adv, offer=offer, conversions=conversions, day=hour.date().isoformat())


def set_reach(user, publishers: ManagerAccess, advertisers: ManagerAccess) -> None:
    user.publisher_manager_access, user.advertiser_manager_access = publishers, advertisers
    db.session.commit()


def assert_nothing_outside(text: str, what: str) -> None:
    assert MARKER not in text.lower(), f"{what} shows out-of-reach data"


def changes() -> list:
    db.session.expire_all()
    return [(c.id, c.status, c.payout) for c in db.session.scalars(select(Conversion).order_by(Conversion.id))]


def report_url(world, **args) -> str:
    query = [("range", "custom"), ("start", world["day"]), ("end", world["day"]), ("metric", "click_count"),
             ("metric", "total_reward")]
    return "/reports?" + urlencode(query + [(name, value) for name, values in args.items() for value in values])


def totals(html: str) -> list[str]:
    row = re.search(r'<tr class="totals">(.*?)</tr>', html, re.S).group(1)
    return re.findall(r"<strong>([^<]*)</strong>", row)


# ------------------------------------------------------------ conversion review


def test_the_conversion_review_lists_and_offers_only_what_is_in_reach(manager_client, world):
    for headers in ({}, HX):
        page = body(manager_client.get("/conversions", headers=headers))
        assert "1 conversion<" in page and f'id="conversion-{world["conversions"]["mine"]}"' in page
        assert_nothing_outside(page, f"/conversions {headers}")
    page = body(manager_client.get("/conversions"))  # the choice lists: advertisers, offers, publishers
    assert "Mine Brand" in page and "Mine Offer" in page and "Mine Media" in page
    for name, value in (("publisher", world["pub"]["out"].id), ("advertiser", world["adv"]["out"].id),
                        ("offer", world["offer"]["out"].id)):
        page = body(manager_client.get(f"/conversions?{name}={value}"))
        assert_nothing_outside(page, f"/conversions?{name}=")


def test_out_of_reach_conversions_are_404_and_stay_unchanged(manager_client, world):
    before = changes()
    for name in ("outside", "outsidemixed"):
        cid = world["conversions"][name]
        for headers in ({}, HX):
            assert manager_client.get(f"/conversions/{cid}", headers=headers).status_code == 404
        for action, data in (("approve", {}), ("reject", {"reason": "walked"}), ("payout", {"payout": "1.00"})):
            response = manager_client.post(f"/conversions/{cid}/{action}", data=data, headers=HX)
            assert response.status_code == 404, action
    assert changes() == before
    assert db.session.scalar(select(func.count(ConversionChange.id))) == 0


def test_bulk_actions_skip_out_of_reach_conversions(manager_client, world):
    ids = world["conversions"]
    before = changes()
    outside = {"action": "approve", "ids": [ids["outside"], ids["outsidemixed"]]}
    only_outside = manager_client.post("/conversions/bulk", data=outside, headers=HX)
    assert only_outside.status_code == 400 and "none of the selected conversions were found" in body(only_outside)
    assert changes() == before
    mixed = manager_client.post("/conversions/bulk", data={"action": "approve", "ids": list(ids.values())}, headers=HX)
    assert mixed.status_code == 200 and "1 conversion approved. 2 selected conversions were not found." in body(mixed)
    assert_nothing_outside(body(mixed), "the bulk answer")
    db.session.expire_all()
    statuses = {name: db.session.get(Conversion, cid).status for name, cid in ids.items()}
    assert statuses == {"mine": ConversionStatus.APPROVED, "outside": ConversionStatus.PENDING,
                        "outsidemixed": ConversionStatus.PENDING}


def test_each_side_of_the_reach_scopes_on_its_own(manager_client, manager_user, world):
    ids = world["conversions"]
    set_reach(manager_user, ManagerAccess.LIMITED, ManagerAccess.GLOBAL)
    page = body(manager_client.get("/conversions"))
    assert "2 conversions" in page and f'id="conversion-{ids["outside"]}"' not in page
    set_reach(manager_user, ManagerAccess.GLOBAL, ManagerAccess.LIMITED)
    page = body(manager_client.get("/conversions"))
    assert "2 conversions" in page and f'id="conversion-{ids["outsidemixed"]}"' not in page


# ------------------------------------------------------------ reports and presets


def test_reports_show_only_the_rows_in_reach(manager_client, world):
    for dims in (["publisher"], ["advertiser"], ["campaign", "link"], ["date", "sub1"], []):
        url = report_url(world, dims_set=["1"], dim=dims)
        for headers in ({}, HX):
            page = body(manager_client.get(url, headers=headers))
            assert totals(page) == ["1", "10.00"], (dims, headers)
            assert_nothing_outside(page, f"{url} {headers}")
    page = body(manager_client.get(report_url(world, dim=["publisher"])))
    assert "<td>Mine Media</td>" in page
    assert "The publishers and advertisers you manage" in page and "Every publisher and advertiser" not in page
    foreign = report_url(world, dim=["publisher"], f_publisher=[str(world["pub"]["out"].id)])
    assert totals(body(manager_client.get(foreign))) == ["0", "0.00"]


def save_preset(client, world, name: str = "Mine daily") -> str:
    state = urlencode([("dims_set", "1"), ("dim", "publisher"), ("metric", "click_count"), ("metric", "total_reward"),
                       ("range", "custom"), ("start", world["day"]), ("end", world["day"])])
    assert client.post("/reports/presets", data={"name": name, "state": state}, headers=HX).status_code == 200
    preset = db.session.scalar(select(ReportPreset).where(ReportPreset.name == name))
    return f"/api/v1/reports/{token_for(preset)}"


def pulled(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_a_preset_pulls_what_its_owner_reached_when_saving_it(app, client, manager_client, manager_user, world):
    url = save_preset(manager_client, world)
    header = ["Publisher", "Currency", "Clicks", "Total reward"]
    mine = [header, ["Mine Media", "EUR", "1", "10.00"], ["Total", "EUR", "1", "10.00"]]
    assert pulled(client, url) == mine
    # A wider reach later does not widen the token: the scope was fixed when the preset was saved.
    set_reach(manager_user, ManagerAccess.GLOBAL, ManagerAccess.GLOBAL)
    world["pub"]["out"].manager_id = manager_user.id
    db.session.commit()
    assert pulled(client, url) == mine
    # Nor does a token reach what its owner no longer does.
    set_reach(manager_user, ManagerAccess.LIMITED, ManagerAccess.LIMITED)
    world["pub"]["in"].manager_id = None
    db.session.commit()
    assert pulled(client, url) == [header, ["Total", "", "0", "0.00"]]


def test_a_global_managers_preset_pulls_the_whole_network(client, manager_client, manager_user, world):
    set_reach(manager_user, ManagerAccess.GLOBAL, ManagerAccess.GLOBAL)
    rows = pulled(client, save_preset(manager_client, world))
    assert [row[0] for row in rows[1:-1]] == ["Mine Media", "Outside Media"] and rows[-1][2:] == ["3", "3210.00"]


# ------------------------------------------------------------ logs and exports


@pytest.mark.parametrize("name", LOGS)
def test_each_log_shows_a_limited_manager_only_rows_in_reach(manager_client, world, name):
    for headers in ({}, HX):
        page = body(manager_client.get(f"/logs/{name}", headers=headers))
        assert "Mine link" in page and ">1 row<" in page
        assert_nothing_outside(page, f"/logs/{name} {headers}")
    page = body(manager_client.get(f"/logs/{name}?offer={world['offer']['out'].id}"))
    assert "Mine link" not in page
    assert_nothing_outside(page, f"/logs/{name}?offer=")


def export_rows(client, kind: str, query: str = "") -> list[list[str]]:
    assert client.post("/exports", data={"kind": kind, "query": query}, headers=HX).status_code == 202
    work_exports()
    export = db.session.scalars(select(Export).order_by(Export.id.desc())).first()
    assert export.status == ExportStatus.COMPLETED, export.error
    return csv_rows(export)


@pytest.mark.parametrize("kind", ["click_logs", "conversion_logs", "impression_logs"])
def test_a_log_export_holds_the_rows_of_its_page(manager_client, world, kind):
    rows = export_rows(manager_client, kind)
    assert len(rows) == 2 and "Mine link" in rows[1]
    assert_nothing_outside(repr(rows), kind)


def test_a_report_export_holds_the_rows_of_its_page(manager_client, world):
    query = urlencode([("dim", "publisher"), ("metric", "click_count"), ("range", "custom"), ("start", world["day"]),
                       ("end", world["day"])])
    assert export_rows(manager_client, "report", query) == [["Publisher", "Clicks"], ["Mine Media", "1"]]


# ------------------------------------------------------------ dashboard


def metric(page: str, name: str) -> str:
    return re.search(rf'data-metric="{name}">([^<]*)<', page).group(1)


def test_the_dashboard_counts_only_what_is_in_reach(manager_client, world):
    page = body(manager_client.get("/"))
    assert "1 advertisers · 1 offers · 1 publishers" in page
    assert (metric(page, "clicks"), metric(page, "impressions"), metric(page, "conversions")) == ("1", "7", "1")
    assert metric(page, "payout-EUR") == "10.00 EUR"


# ------------------------------------------------------------ Global and Restricted


def test_a_global_manager_still_sees_the_whole_network(manager_client, manager_user, world):
    set_reach(manager_user, ManagerAccess.GLOBAL, ManagerAccess.GLOBAL)
    assert "3 conversions" in body(manager_client.get("/conversions"))
    cid = world["conversions"]["outsidemixed"]
    assert manager_client.post(f"/conversions/{cid}/approve", headers=HX).status_code == 200
    page = body(manager_client.get(report_url(world, dim=["publisher"])))
    assert "Outside Media" in page and totals(page) == ["3", "3210.00"]
    for name in LOGS:
        assert ">3 rows<" in body(manager_client.get(f"/logs/{name}")), name
    assert len(export_rows(manager_client, "click_logs")) == 4
    page = body(manager_client.get("/"))
    assert "2 advertisers · 2 offers · 2 publishers" in page and metric(page, "clicks") == "3"


@pytest.mark.parametrize("side", ["publishers", "advertisers"])
def test_a_restricted_reach_on_either_side_closes_the_data_pages(manager_client, manager_user, world, side):
    """Every conversion, click and report row names a publisher and an offer: none is left to show."""
    restricted, other = ManagerAccess.RESTRICTED, ManagerAccess.GLOBAL
    set_reach(manager_user, *((restricted, other) if side == "publishers" else (other, restricted)))
    cid = world["conversions"]["mine"]
    pages = ("/conversions", f"/conversions/{cid}", report_url(world, dim=["publisher"]), *(f"/logs/{n}" for n in LOGS))
    for url in pages:
        assert manager_client.get(url).status_code == 403, url
    assert manager_client.post(f"/conversions/{cid}/approve", headers=HX).status_code == 403
    assert manager_client.post("/exports", data={"kind": "click_logs", "query": ""}, headers=HX).status_code == 403
    assert db.session.scalar(select(func.count(Export.id))) == 0 and changes()[0][1] is ConversionStatus.PENDING
    page = body(manager_client.get("/"))
    for label in ("Conversions", "Reports", "Logs"):
        assert f">{label}</a>" not in page, label
    assert ">Downloads</a>" in page and metric(page, "clicks") == "0" and metric(page, "conversions") == "0"


def test_a_publisher_page_counts_only_the_traffic_on_offers_in_reach(manager_client, world):
    """My publisher's traffic on the outside advertiser's offer stays out of its page's 30-day summary."""
    page = body(manager_client.get(f"/admin/publishers/{world['pub']['in'].id}"))
    assert 'data-summary="clicks">1<' in page and 'data-summary="conversions">1<' in page
    assert 'data-summary="links">1 live of 1' in page
    assert str(PAYOUTS["outsidemixed"]) not in page
