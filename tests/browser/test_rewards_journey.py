"""A publisher bulk-creates sub IDs from pasted text, redeems a reward (filling its input field) and the admin
marks it completed."""
from sqlalchemy import select

from portal.extensions import db
from portal.rewards.models import Redemption
from portal.rewards.points import credit
from portal.subids.models import SubId
from tests.browser.test_accounts import sign_in
from tests.factories import RewardFactory, UserFactory


def test_publisher_redeems_a_reward_and_the_admin_completes_it(app, browser, page, live_server):
    publisher = UserFactory(is_publisher=True)
    admin = UserFactory()
    reward = RewardFactory(
        title="USDT payout", points_cost=120, input_fields=[{"name": "wallet_id", "label": "Wallet id", "required": True}]
    )
    credit(publisher.id, 300, "bonus", "journey:welcome")
    db.session.commit()
    sign_in(page, publisher)

    # Sub IDs pasted as text: the preview shows what is created and what is refused and why, then creates.
    page.get_by_role("link", name="Sub IDs").first.click()
    page.get_by_role("button", name="Add many at once or import a CSV").click()
    page.get_by_label("Sub IDs, one per line").fill("spring_mail,Spring newsletter\nbad value\nspring_mail\nsummer-ads")
    page.get_by_role("button", name="Preview").click()
    assert " ".join(page.locator("#bulk-counts").inner_text().split()) == "2 to create · 2 refused"
    refused = page.locator("#bulk-refused").inner_text()
    assert "Use only letters" in refused and "Duplicate of line 1 in this input." in refused
    page.get_by_role("button", name="Create 2 sub IDs, skip the refused").click()
    page.wait_for_url("**/sub-ids")
    assert "Created 2 sub IDs. 2 lines were refused, as the preview showed." in page.content()
    created = db.session.scalars(select(SubId.external_id).where(SubId.publisher_id == publisher.publisher_id).order_by(SubId.external_id))
    assert list(created) == ["spring_mail", "summer-ads"]

    # The catalogue shows the balance and the reward; redeeming without the wallet id is refused inline.
    page.get_by_role("link", name="Rewards").first.click()
    page.get_by_role("link", name="Catalogue").click()
    assert page.locator("#points-balance").inner_text() == "300"
    page.locator(f"#reward-{reward.id}").get_by_role("button", name="Redeem").click()
    page.get_by_role("button", name="Redeem for 120 points").click()
    assert page.locator(".field-error").inner_text() == "Wallet id is required."

    page.get_by_label("Wallet id").fill("TQ9xWallet42")
    page.get_by_role("button", name="Redeem for 120 points").click()
    page.wait_for_url("**/rewards/redemptions")
    assert page.locator("#points-balance").inner_text() == "180"
    redemption = db.session.scalar(select(Redemption))
    row = page.locator(f"#redemption-{redemption.id}")
    assert "USDT payout" in row.inner_text() and "TQ9xWallet42" in row.inner_text() and "Pending" in row.inner_text()

    # The admin sees it among the redemptions and marks it completed in place.
    admin_page = browser.new_context(base_url=live_server).new_page()
    admin_page.set_default_timeout(5000)
    sign_in(admin_page, admin)
    admin_page.goto("/admin/redemptions")
    admin_row = admin_page.locator(f"#redemption-{redemption.id}")
    assert "TQ9xWallet42" in admin_row.inner_text()
    admin_row.get_by_role("button", name="Mark completed").click()
    admin_page.wait_for_function(
        f"() => document.querySelector('#redemption-{redemption.id} .redemption-status').textContent.trim() === 'Completed'"
    )
    admin_page.context.close()

    page.reload()
    assert "Completed" in page.locator(f"#redemption-{redemption.id}").inner_text()
    db.session.refresh(redemption)
    assert redemption.completed and not redemption.refunded


def test_the_admin_pays_approved_earnings_and_the_publisher_sees_them_paid(app, browser, page, live_server):
    from decimal import Decimal

    from portal.conversions.models import ConversionStatus
    from portal.rewards.models import Payout
    from tests.factories import ConversionFactory, TrackingLinkFactory

    publisher = UserFactory(is_publisher=True)
    admin = UserFactory()
    link = TrackingLinkFactory(publisher=publisher.publisher)
    for payout in ("40.00", "2.5050"):
        ConversionFactory(link=link, status=ConversionStatus.APPROVED, payout=Decimal(payout))
    ConversionFactory(link=link, status=ConversionStatus.PENDING, payout=Decimal("9.00"))
    db.session.commit()

    sign_in(page, admin)
    page.get_by_role("link", name="Payouts").click()
    page.get_by_role("button", name="Record a payout").click()
    page.get_by_label("Publisher").select_option(label=publisher.publisher.name)
    page.get_by_label("Currency").fill("EUR")
    page.get_by_label("Pay commission created up to (inclusive)").fill("2099-12-31")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#payout-preview").inner_text()
    assert "42.505 EUR" in preview and " 2 approved conversions" in preview
    page.get_by_role("button", name="Confirm payout").click()
    page.wait_for_url("**/admin/payouts/*")
    payout = db.session.scalar(select(Payout))
    assert payout.amount == Decimal("42.5050") and payout.conversion_count == 2

    publisher_page = browser.new_context(base_url=live_server).new_page()
    publisher_page.set_default_timeout(5000)
    sign_in(publisher_page, publisher)
    publisher_page.goto("/rewards")
    balances = publisher_page.locator("#earnings-balances tbody tr").inner_text().split()
    assert balances == ["EUR", "9.00", "0.00", "42.505"]
    assert "42.505" in publisher_page.locator("#earnings-payouts").inner_text()
    publisher_page.context.close()
