"""A publisher with points redeems a reward, filling its input field; the admin marks it completed."""
from sqlalchemy import select

from portal.extensions import db
from portal.rewards.models import Redemption
from portal.rewards.points import credit
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
