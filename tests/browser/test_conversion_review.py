"""An advertiser reviews conversions in a real browser: filter, open the drawer, approve, reject, bulk approve."""
import re
from decimal import Decimal

from playwright.sync_api import expect

from portal.conversions.models import Conversion, ConversionChange, ConversionStatus
from portal.extensions import db
from tests.browser.test_accounts import sign_in
from tests.factories import (
    ClickFactory,
    ConversionFactory,
    OfferFactory,
    PublisherFactory,
    TrackingLinkFactory,
    UserFactory,
)


def statuses(*conversions) -> list[ConversionStatus]:
    db.session.expire_all()  # the live server changed them in its own session
    return [db.session.get(Conversion, c.id).status for c in conversions]


def test_an_advertiser_reviews_conversions_in_place(app, page):
    user = UserFactory(is_advertiser=True)
    offer = OfferFactory(advertiser=user.advertiser, name="Northstar Casino")
    alpha, beta = PublisherFactory(name="Alpha Media"), PublisherFactory(name="Beta Ads")
    alpha_link, beta_link = TrackingLinkFactory(offer=offer, publisher=alpha), TrackingLinkFactory(offer=offer, publisher=beta)
    click = ClickFactory(link=alpha_link, sub1="spring", sub2="<script>window.pwned = 1</script>")
    first = ConversionFactory(link=alpha_link, click_id=click.click_id, payout=Decimal("40.00"))
    second = ConversionFactory(link=alpha_link, payout=Decimal("15.00"))
    third, fourth = ConversionFactory(link=beta_link), ConversionFactory(link=beta_link)
    foreign = ConversionFactory(payout=Decimal("99.00"))  # another advertiser's offer
    db.session.commit()

    sign_in(page, user)
    page.get_by_role("link", name="Conversions").first.click()
    page.wait_for_url("**/conversions")
    rows = page.locator("#conversion-rows tr[data-conversion-id]")
    expect(rows).to_have_count(4)
    expect(page.locator(f"#conversion-{foreign.id}")).to_have_count(0)

    # Filter by publisher: the table swaps in place and the URL keeps the filter.
    page.get_by_label("Publisher").select_option(label="Alpha Media")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(rf"/conversions\?.*publisher={alpha.id}(&|$)"))

    # The drawer: event, click and sub IDs (escaped, never run), then approve from it.
    page.locator(f"#conversion-{first.id}").get_by_role("link", name="Details").click()
    drawer = page.locator("#conversion-drawer")
    expect(drawer.get_by_role("heading", name=f"Conversion {first.id}")).to_be_visible()
    expect(drawer).to_contain_text("sub2=<script>window.pwned = 1</script>")
    assert page.evaluate("() => window.pwned") is None
    drawer.get_by_role("button", name="Approve", exact=True).click()
    expect(drawer).to_contain_text(f"Conversion {first.id} is approved.")
    expect(drawer.locator("#conversion-history")).to_contain_text("pending → approved")
    expect(page.locator(f"#conversion-{first.id} .status")).to_contain_text("Approved")  # swapped out of band
    drawer.get_by_role("link", name="Close").click()
    expect(drawer).to_be_empty()

    # Reject the other one with a reason; without a reason the drawer says what is missing.
    page.locator(f"#conversion-{second.id}").get_by_role("link", name="Details").click()
    drawer.get_by_role("button", name="Reject").click()
    expect(drawer).to_contain_text("Give a reason")
    drawer.get_by_label("Reason", exact=True).fill("Duplicate player account")
    drawer.get_by_role("button", name="Reject").click()
    expect(drawer).to_contain_text(f"Conversion {second.id} is rejected.")
    expect(page.locator(f"#conversion-{second.id} .status")).to_contain_text("Rejected")
    expect(page.locator(f"#conversion-{second.id} .status")).to_contain_text("Duplicate player account")
    drawer.get_by_role("link", name="Close").click()

    # Back to every publisher; select-all ticks the page, then bulk-approve a selection of two.
    page.get_by_label("Publisher").select_option(label="All publishers")
    expect(rows).to_have_count(4)
    page.get_by_label("Select every conversion on this page").check()
    expect(page.locator("#conversion-rows input[name=ids]:checked")).to_have_count(4)
    page.get_by_label("Select every conversion on this page").uncheck()
    expect(page.locator("#conversion-rows input[name=ids]:checked")).to_have_count(0)
    page.get_by_label(f"Select conversion {third.id}").check()
    page.get_by_label(f"Select conversion {fourth.id}").check()
    page.get_by_role("button", name="Approve ticked").click()
    expect(page.locator("#conversions-table")).to_contain_text("2 conversions approved.")
    for conversion in (third, fourth):
        expect(page.locator(f"#conversion-{conversion.id}")).to_have_attribute("data-status", "approved")
    expect(page.locator(f"#conversion-{second.id}")).to_have_attribute("data-status", "rejected")

    # The database agrees, with a history row for each change and nothing done to the other advertiser.
    assert statuses(first, second, third, fourth, foreign) == [
        ConversionStatus.APPROVED, ConversionStatus.REJECTED, ConversionStatus.APPROVED, ConversionStatus.APPROVED, ConversionStatus.PENDING,
    ]
    assert db.session.get(Conversion, second.id).rejection_reason == "Duplicate player account"
    changes = db.session.query(ConversionChange).order_by(ConversionChange.id).all()
    assert [(c.conversion_id, c.to_status, c.changed_by_id) for c in changes] == [
        (first.id, "approved", user.id), (second.id, "rejected", user.id), (third.id, "approved", user.id), (fourth.id, "approved", user.id),
    ]
