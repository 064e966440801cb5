"""The advertiser's conversion review over HTTP: roles, tenants, filters, the drawer, single and bulk actions."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.conversions.models import Conversion, ConversionChange, ConversionStatus
from portal.extensions import db
from portal.types import utcnow
from tests.conftest import signed_in_client
from tests.factories import (
    ClickFactory,
    ConversionFactory,
    EventFactory,
    OfferFactory,
    PlayerFactory,
    PublisherFactory,
    TrackingLinkFactory,
    UserFactory,
)

HX = {"HX-Request": "true"}
DRAWER = {"HX-Request": "true", "HX-Target": "conversion-drawer"}
PENDING, APPROVED, REJECTED = ConversionStatus.PENDING, ConversionStatus.APPROVED, ConversionStatus.REJECTED
XSS = '<script>alert("sub")</script>'


def body(response) -> str:
    return response.get_data(as_text=True)


def status_of(conversion_id: int) -> ConversionStatus:
    db.session.expire_all()
    return db.session.get(Conversion, conversion_id).status


def change_count() -> int:
    return db.session.scalar(select(func.count(ConversionChange.id)))


def convert(offer, publisher=None, click=None, **values):
    link = TrackingLinkFactory(offer=offer, **({"publisher": publisher} if publisher else {}))
    return ConversionFactory(link=link, click_id=click.click_id if click else None, **values)


@pytest.fixture
def advertiser(advertiser_user):
    return advertiser_user.advertiser


@pytest.fixture
def world(app, advertiser):
    """Two advertisers' offers with conversions from two publishers; only the first advertiser is signed in."""
    mine = OfferFactory(advertiser=advertiser, name="Northstar Casino")
    theirs = OfferFactory(name="Bluewave Sports")
    alpha, beta = PublisherFactory(name="Alpha Media"), PublisherFactory(name="Beta Ads")
    alpha_link = TrackingLinkFactory(offer=mine, publisher=alpha)
    click = ClickFactory(link=alpha_link, sub1="spring-promo", sub3=XSS, country="GB")
    player = PlayerFactory(advertiser_id=advertiser.id, external_id="player-42")
    event = EventFactory(advertiser_id=advertiser.id, type="ftd", player_id=player.id, amount=Decimal("100.00"), currency="EUR")
    ftd = ConversionFactory(link=alpha_link, click_id=click.click_id, event_id=event.id, payout=Decimal("40.00"))
    beta_one = convert(mine, beta, payout=Decimal("10.00"))
    foreign = convert(theirs, alpha, payout=Decimal("99.00"))
    db.session.commit()
    return dict(offer=mine, other_offer=theirs, alpha=alpha, beta=beta, ftd=ftd, beta_one=beta_one, foreign=foreign, click=click)


# ------------------------------------------------------------ who may reach what


def test_publishers_are_forbidden_on_every_route(publisher_client, world):
    cid = world["ftd"].id
    for url in ("/conversions", f"/conversions/{cid}"):
        assert publisher_client.get(url).status_code == 403, url
    for url in (f"/conversions/{cid}/approve", f"/conversions/{cid}/reject", f"/conversions/{cid}/payout", "/conversions/bulk"):
        assert publisher_client.post(url, data={"ids": [cid], "action": "approve", "reason": "x", "payout": "1"}).status_code == 403, url
    assert status_of(cid) is PENDING and change_count() == 0


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get("/conversions")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(f"/conversions/{world['ftd'].id}/approve").status_code in (302, 400)
    assert status_of(world["ftd"].id) is PENDING


def test_another_advertisers_conversion_is_404_everywhere(advertiser_client, world):
    cid = world["foreign"].id
    assert advertiser_client.get(f"/conversions/{cid}").status_code == 404
    assert advertiser_client.get(f"/conversions/{cid}", headers=HX).status_code == 404
    assert advertiser_client.post(f"/conversions/{cid}/approve").status_code == 404
    assert advertiser_client.post(f"/conversions/{cid}/reject", data={"reason": "mine now"}).status_code == 404
    assert advertiser_client.post(f"/conversions/{cid}/payout", data={"payout": "0"}).status_code == 404
    assert advertiser_client.get("/conversions/999999").status_code == 404
    db.session.expire_all()
    foreign = db.session.get(Conversion, cid)
    assert foreign.status is PENDING and foreign.payout == Decimal("99.00") and change_count() == 0


def test_the_list_shows_only_the_advertisers_own_conversions(advertiser_client, world):
    page = body(advertiser_client.get("/conversions"))
    assert "Northstar Casino" in page and "Alpha Media" in page and "Beta Ads" in page
    assert "Bluewave Sports" not in page and f'id="conversion-{world["foreign"].id}"' not in page
    assert "2 conversions" in page


def test_two_advertisers_each_see_only_their_own(app, world):
    other = UserFactory(is_advertiser=True, advertiser=world["other_offer"].advertiser)
    page = body(signed_in_client(app, other).get("/conversions"))
    assert f'id="conversion-{world["foreign"].id}"' in page and f'id="conversion-{world["ftd"].id}"' not in page
    assert "1 conversion<" in page


def test_an_admin_sees_every_advertiser_and_filters_by_one(admin_client, world, advertiser):
    page = body(admin_client.get("/conversions"))
    assert "3 conversions" in page and 'name="advertiser"' in page
    page = body(admin_client.get(f"/conversions?advertiser={advertiser.id}"))
    assert "2 conversions" in page and f'id="conversion-{world["foreign"].id}"' not in page


def test_an_account_manager_reviews_every_advertisers_conversions(manager_client, manager_user, world, advertiser):
    page = body(manager_client.get("/conversions"))
    assert "3 conversions" in page and 'name="advertiser"' in page and "Every advertiser's conversions" in page
    assert "2 conversions" in body(manager_client.get(f"/conversions?advertiser={advertiser.id}"))
    cid = world["foreign"].id
    assert manager_client.post(f"/conversions/{cid}/approve", headers=HX).status_code == 200
    assert status_of(cid) is APPROVED and db.session.scalar(select(AuditEntry.actor_id)) == manager_user.id


def test_an_advertiser_gets_no_advertiser_filter_and_cannot_use_it(advertiser_client, world):
    page = body(advertiser_client.get(f"/conversions?advertiser={world['other_offer'].advertiser_id}"))
    assert 'name="advertiser"' not in page and f'id="conversion-{world["foreign"].id}"' not in page


# ------------------------------------------------------------ the list and its filters


def test_htmx_gets_the_table_only_and_the_page_varies_on_it(advertiser_client, world):
    full = advertiser_client.get("/conversions")
    partial = advertiser_client.get("/conversions", headers=HX)
    assert "<html" in body(full) and "<html" not in body(partial)
    assert body(partial).lstrip().startswith('<div id="conversions-table">')
    assert "HX-Request" in full.headers["Vary"] and "HX-Request" in partial.headers["Vary"]


def test_sub_ids_are_escaped_in_the_list_and_the_drawer(advertiser_client, world):
    for response in (advertiser_client.get("/conversions"), advertiser_client.get(f"/conversions/{world['ftd'].id}", headers=HX)):
        page = body(response)
        assert XSS not in page
        assert "&lt;script&gt;alert(&#34;sub&#34;)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    "query, expected",
    [
        ("status=pending", {"ftd", "beta_one"}),
        ("status=approved", set()),
        ("publisher={beta}", {"beta_one"}),
        ("offer={offer}", {"ftd", "beta_one"}),
        ("sub=spring-promo", {"ftd"}),
        ("sub=spring-promo&sub_field=sub1", {"ftd"}),
        ("sub=spring-promo&sub_field=sub2", set()),
        ("sub=spring", set()),
        ("event=ftd", {"ftd"}),
        ("event=deposit", set()),
    ],
)
def test_filters(advertiser_client, world, query, expected):
    query = query.format(beta=world["beta"].id, offer=world["offer"].id)
    page = body(advertiser_client.get(f"/conversions?{query}", headers=HX))
    shown = {name for name in ("ftd", "beta_one", "foreign") if f'id="conversion-{world[name].id}"' in page}
    assert shown == expected


def test_invalid_filter_values_are_ignored_not_trusted(advertiser_client, world):
    response = advertiser_client.get(f"/conversions?offer={world['other_offer'].id}&status=paid&publisher=abc&day_from=yesterday")
    assert response.status_code == 200
    assert "2 conversions" in body(response)


def test_the_date_range_is_whole_days_in_the_users_time_zone(app, advertiser_user, world):
    advertiser_user.timezone = "Asia/Tokyo"  # UTC+9
    # 2026-03-01 20:00 UTC is already 2 March in Tokyo; 14:00 UTC is still 1 March there.
    late = convert(world["offer"], created_at=datetime(2026, 3, 1, 20, 0, tzinfo=timezone.utc))
    early = convert(world["offer"], created_at=datetime(2026, 3, 1, 14, 0, tzinfo=timezone.utc))
    client = signed_in_client(app, advertiser_user)
    page = body(client.get("/conversions?day_from=2026-03-02&day_to=2026-03-02", headers=HX))
    assert f'id="conversion-{late.id}"' in page and f'id="conversion-{early.id}"' not in page
    page = body(client.get("/conversions?day_from=2026-03-01&day_to=2026-03-01", headers=HX))
    assert f'id="conversion-{early.id}"' in page and f'id="conversion-{late.id}"' not in page


def test_pages_of_fifty_newest_first_and_the_pager_keeps_the_filters(advertiser_client, world):
    start = utcnow() - timedelta(days=1)
    made = [convert(world["offer"], world["beta"], created_at=start + timedelta(minutes=n)) for n in range(55)]
    db.session.commit()
    first = body(advertiser_client.get(f"/conversions?publisher={world['beta'].id}"))
    assert "56 conversions" in first and "page 1 of 2" in first
    assert f'id="conversion-{made[-1].id}"' in first and f'id="conversion-{made[0].id}"' not in first
    assert f"page=2&amp;publisher={world['beta'].id}" in first or f"publisher={world['beta'].id}&amp;page=2" in first
    second = body(advertiser_client.get(f"/conversions?publisher={world['beta'].id}&page=2", headers=HX))
    assert f'id="conversion-{made[0].id}"' in second and "page 2 of 2" in second


# ------------------------------------------------------------ the drawer


def test_the_drawer_shows_event_player_click_money_and_history(advertiser_client, advertiser_user, world):
    cid = world["ftd"].id
    advertiser_client.post(f"/conversions/{cid}/reject", data={"reason": "Bonus abuse"}, headers=DRAWER)
    response = advertiser_client.get(f"/conversions/{cid}", headers=HX)
    page = body(response)
    assert response.status_code == 200 and "<html" not in page and page.lstrip().startswith('<div id="conversion-drawer">')
    assert "<code>ftd</code>" in page and "100.00 EUR" in page and "player-42" in page
    assert str(world["click"].click_id) in page and "GB" in page and "spring-promo" in page
    assert "40.00 EUR" in page and "Bonus abuse" in page and "pending → rejected" in page
    assert advertiser_user.email in page
    assert "HX-Request" in response.headers["Vary"]


def test_the_detail_is_a_whole_page_without_htmx(advertiser_client, world):
    page = body(advertiser_client.get(f"/conversions/{world['ftd'].id}"))
    assert "<html" in page and f"Conversion {world['ftd'].id}" in page
    assert 'hx-post' not in page.split('id="conversion-drawer"')[1]  # plain forms that post and come back


# ------------------------------------------------------------ single actions


def test_approve_in_the_row_answers_with_the_row(advertiser_client, world):
    cid = world["ftd"].id
    response = advertiser_client.post(f"/conversions/{cid}/approve", headers=HX)
    assert response.status_code == 200
    page = body(response)
    assert page.lstrip().startswith(f'<tr id="conversion-{cid}"') and 'data-status="approved"' in page
    assert status_of(cid) is APPROVED


def test_an_action_in_the_drawer_answers_with_the_drawer_and_the_row_out_of_band(advertiser_client, world):
    cid = world["ftd"].id
    page = body(advertiser_client.post(f"/conversions/{cid}/approve", headers=DRAWER))
    assert page.lstrip().startswith('<div id="conversion-drawer">')
    assert "<template>" in page and f'<tr id="conversion-{cid}"' in page and 'hx-swap-oob="true"' in page
    assert "is approved" in page


def test_approve_without_javascript_redirects_back_with_a_message(advertiser_client, world):
    cid = world["ftd"].id
    response = advertiser_client.post(f"/conversions/{cid}/approve", data={"next": "/conversions?status=pending"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/conversions?status=pending")
    assert f"Conversion {cid} is approved." in body(advertiser_client.get("/conversions"))


def test_a_foreign_next_url_is_never_followed(advertiser_client, world):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "/\t/evil.example", " //evil.example"):
        response = advertiser_client.post(f"/conversions/{world['beta_one'].id}/reject", data={"reason": "x", "next": target})
        assert response.status_code == 303 and response.headers["Location"].endswith("/conversions"), target
        advertiser_client.post(f"/conversions/{world['beta_one'].id}/approve")


def test_approving_twice_is_a_conflict(advertiser_client, world):
    cid = world["ftd"].id
    advertiser_client.post(f"/conversions/{cid}/approve", headers=HX)
    again = advertiser_client.post(f"/conversions/{cid}/approve", headers=HX)
    assert again.status_code == 409 and "already approved" in body(again)
    assert advertiser_client.post(f"/conversions/{cid}/approve").status_code == 409
    assert change_count() == 1


def test_reject_needs_a_reason_and_keeps_the_drawer_open_with_the_error(advertiser_client, world):
    cid = world["ftd"].id
    response = advertiser_client.post(f"/conversions/{cid}/reject", data={"reason": "  "}, headers=DRAWER)
    assert response.status_code == 400
    assert "Give a reason" in body(response) and 'aria-invalid="true"' in body(response)
    assert status_of(cid) is PENDING and change_count() == 0
    no_js = advertiser_client.post(f"/conversions/{cid}/reject", data={"reason": ""})
    assert no_js.status_code == 400 and "<html" in body(no_js) and "Give a reason" in body(no_js)


def test_a_too_long_reason_is_400_on_the_field_and_kept(advertiser_client, world):
    cid = world["ftd"].id
    response = advertiser_client.post(f"/conversions/{cid}/reject", data={"reason": "r" * 501}, headers=DRAWER)
    assert response.status_code == 400
    page = body(response)
    assert "Field cannot be longer than 500 characters." in page and "r" * 501 in page and "form expired" not in page
    assert status_of(cid) is PENDING and change_count() == 0


def test_reject_with_a_reason_then_re_approve(advertiser_client, advertiser_user, world):
    cid = world["ftd"].id
    response = advertiser_client.post(f"/conversions/{cid}/reject", data={"reason": "Duplicate account"}, headers=DRAWER)
    assert response.status_code == 200 and status_of(cid) is REJECTED
    assert db.session.get(Conversion, cid).rejection_reason == "Duplicate account"
    assert advertiser_client.post(f"/conversions/{cid}/approve", headers=DRAWER).status_code == 200
    assert status_of(cid) is APPROVED
    changes = db.session.scalars(select(ConversionChange).where(ConversionChange.conversion_id == cid).order_by(ConversionChange.id)).all()
    assert [(c.from_status, c.to_status, c.reason, c.changed_by_id) for c in changes] == [
        ("pending", "rejected", "Duplicate account", advertiser_user.id),
        ("rejected", "approved", "", advertiser_user.id),
    ]
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "Conversion").order_by(AuditEntry.id)).all()
    assert [(a.action, a.actor_id, a.object_id) for a in audit] == [("reject", advertiser_user.id, str(cid)), ("approve", advertiser_user.id, str(cid))]


def test_adjust_payout_keeps_the_status_and_stores_the_exact_decimal(advertiser_client, world):
    cid = world["ftd"].id
    advertiser_client.post(f"/conversions/{cid}/approve", headers=HX)
    response = advertiser_client.post(f"/conversions/{cid}/payout", data={"payout": "33.3333", "note": "Partial"}, headers=DRAWER)
    assert response.status_code == 200 and "33.3333 EUR" in body(response)
    db.session.expire_all()
    conversion = db.session.get(Conversion, cid)
    assert conversion.payout == Decimal("33.3333") and conversion.status is APPROVED
    last = db.session.scalars(select(ConversionChange).order_by(ConversionChange.id.desc())).first()
    assert (last.from_payout, last.to_payout, last.to_status, last.reason) == (Decimal("40"), Decimal("33.3333"), "approved", "Partial")


@pytest.mark.parametrize("bad", ["-1", "ten", "", "1.00001"])
def test_a_bad_payout_is_400_with_the_typed_value_kept(advertiser_client, world, bad):
    cid = world["ftd"].id
    response = advertiser_client.post(f"/conversions/{cid}/payout", data={"payout": bad}, headers=DRAWER)
    assert response.status_code == 400 and 'aria-invalid="true"' in body(response)
    if bad:
        assert f'value="{bad}"' in body(response)
    db.session.expire_all()
    assert db.session.get(Conversion, cid).payout == Decimal("40.00") and change_count() == 0


def test_a_paid_conversion_is_locked(advertiser_client, world):
    conversion = convert(world["offer"], paid_at=utcnow())
    db.session.commit()
    assert advertiser_client.post(f"/conversions/{conversion.id}/approve", headers=HX).status_code == 409
    assert advertiser_client.post(f"/conversions/{conversion.id}/payout", data={"payout": "1"}, headers=DRAWER).status_code == 409
    assert status_of(conversion.id) is PENDING


def test_posts_without_a_csrf_token_are_refused(advertiser_client, world):
    cid = world["ftd"].id
    for url, data in (
        (f"/conversions/{cid}/approve", {}),
        (f"/conversions/{cid}/reject", {"reason": "x"}),
        (f"/conversions/{cid}/payout", {"payout": "1"}),
        ("/conversions/bulk", {"ids": [str(cid)], "action": "approve"}),
    ):
        assert advertiser_client.post(url, data=data, csrf=False).status_code == 400, url
    assert status_of(cid) is PENDING and change_count() == 0


# ------------------------------------------------------------ bulk


def test_bulk_approve_changes_the_ticked_rows_and_answers_with_the_table(advertiser_client, world):
    ids = [world["ftd"].id, world["beta_one"].id]
    response = advertiser_client.post("/conversions/bulk", data={"ids": [str(i) for i in ids], "action": "approve", "status": "pending"}, headers=HX)
    page = body(response)
    assert response.status_code == 200 and page.lstrip().startswith('<div id="conversions-table">')
    assert "2 conversions approved." in page
    assert "No conversions match." in page  # the table keeps the status=pending filter it was posted with
    assert {status_of(i) for i in ids} == {APPROVED}


def test_bulk_only_touches_the_callers_rows_even_when_foreign_ids_are_posted(advertiser_client, world):
    ids = [world["ftd"].id, world["foreign"].id]
    response = advertiser_client.post("/conversions/bulk", data={"ids": [str(i) for i in ids], "action": "reject", "reason": "Fraud"}, headers=HX)
    assert response.status_code == 200 and "1 conversion rejected. 1 selected conversion was not found." in body(response)
    assert status_of(world["ftd"].id) is REJECTED and status_of(world["foreign"].id) is PENDING
    assert db.session.scalar(select(func.count()).select_from(ConversionChange).where(ConversionChange.conversion_id == world["foreign"].id)) == 0


def test_bulk_with_only_foreign_ids_changes_nothing(advertiser_client, world):
    response = advertiser_client.post("/conversions/bulk", data={"ids": [str(world["foreign"].id)], "action": "approve"}, headers=HX)
    assert response.status_code == 400 and "Nothing changed" in body(response)
    assert status_of(world["foreign"].id) is PENDING and change_count() == 0


def test_bulk_is_all_or_nothing(advertiser_client, world):
    paid = convert(world["offer"], paid_at=utcnow())
    db.session.commit()
    ids = [world["ftd"].id, world["beta_one"].id, paid.id]
    response = advertiser_client.post("/conversions/bulk", data={"ids": [str(i) for i in ids], "action": "approve"}, headers=HX)
    assert response.status_code == 409 and "Nothing changed" in body(response)
    assert {status_of(i) for i in ids} == {PENDING} and change_count() == 0
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_bulk_reject_needs_a_reason(advertiser_client, world):
    response = advertiser_client.post("/conversions/bulk", data={"ids": [str(world["ftd"].id)], "action": "reject"}, headers=HX)
    assert response.status_code == 400 and "Give a reason" in body(response)
    assert status_of(world["ftd"].id) is PENDING


@pytest.mark.parametrize(
    "data",
    [{"action": "approve"}, {"ids": ["1"], "action": "delete"}, {"ids": ["x"], "action": "approve"}, {"ids": [str(n) for n in range(501)], "action": "approve"}],
)
def test_bulk_refuses_bad_requests_with_400(advertiser_client, world, data):
    assert advertiser_client.post("/conversions/bulk", data=data, headers=HX).status_code == 400
    assert change_count() == 0


def test_bulk_without_javascript_redirects_to_the_filtered_list(advertiser_client, world):
    response = advertiser_client.post(
        "/conversions/bulk", data={"ids": [str(world["beta_one"].id)], "action": "approve", "publisher": str(world["beta"].id)}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/conversions?publisher={world['beta'].id}")
    assert "1 conversion approved." in body(advertiser_client.get(response.headers["Location"]))


def test_an_admin_can_review_any_advertisers_conversion(admin_client, admin_user, world):
    cid = world["foreign"].id
    assert admin_client.post(f"/conversions/{cid}/reject", data={"reason": "Network check"}, headers=HX).status_code == 200
    assert status_of(cid) is REJECTED
    assert db.session.scalar(select(AuditEntry.actor_id)) == admin_user.id


def test_the_navigation_links_the_review_for_advertisers_and_admins(advertiser_client, admin_client, world):
    assert 'href="/conversions"' in body(advertiser_client.get("/conversions"))
    assert 'href="/conversions"' in body(admin_client.get("/conversions"))
