"""The network admin sets up an advertiser, an offer with an event and a landing page, a publisher with a
custom payout, a throttle, a blocked sub ID and an invited user, and invites an advertiser user from Admin →
Users; the publisher's user sets a password, signs in, sees the offer at its custom payout and builds a link
for it to the landing page."""
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.links.models import TrackingLink
from portal.network.models import Advertiser, LandingPage, Offer, Publisher
from portal.subids.models import BlockedSubId
from tests.browser.test_accounts import sign_in
from tests.factories import UserFactory

PASSWORD = "maya's own long password"


def test_admin_sets_up_a_publisher_whose_invited_user_promotes_the_offer(app, browser, page):
    admin = UserFactory(email="admin@tracklane.test")
    db.session.commit()
    sign_in(page, admin)

    # Advertiser.
    page.goto("/admin/advertisers/new")
    page.get_by_label("Name", exact=True).fill("Northstar Gaming")
    page.get_by_role("button", name="Add advertiser").click()
    page.wait_for_url("**/admin/advertisers/*/edit")

    # Offer with its default plan, then an event and a landing page on the offer page (in place).
    page.goto("/admin/offers/new")
    page.get_by_label("Advertiser").select_option(label="Northstar Gaming")
    page.get_by_label("Name", exact=True).fill("Northstar Casino")
    page.get_by_label("Currency").fill("EUR")
    page.get_by_label("Default destination URL").fill("https://northstar.example/join")
    page.get_by_label("Payout amount").fill("25")
    page.get_by_role("button", name="Add offer").click()
    page.wait_for_url("**/admin/offers/*")
    events = page.locator("#events")
    events.get_by_text("Add an event").click()
    events.get_by_label("Code").fill("ftd")
    events.get_by_label("Name", exact=True).fill("First deposit")
    events.get_by_label("Payout amount").fill("50")
    events.get_by_role("button", name="Add event").click()
    page.locator("#events").get_by_text("Event “First deposit” is added.").wait_for()
    pages = page.locator("#pages")
    pages.get_by_text("Add a landing page").click()
    # The event and landing page forms share the field id "name", so the label would point at the event's.
    pages.locator('input[name="name"]').fill("Welcome bonus")
    pages.get_by_label("Redirect URL").fill("https://northstar.example/welcome")
    pages.get_by_role("button", name="Add landing page").click()
    page.locator("#pages").get_by_text("Landing page “Welcome bonus” is added.").wait_for()

    # Publisher, then its user invite and a custom payout on the publisher page.
    page.get_by_role("link", name="Publishers").click()
    page.get_by_role("button", name="New publisher").click()
    page.get_by_label("Name", exact=True).fill("Goal Rush Media")
    page.get_by_label("Email").fill("team@goalrush.example")
    page.get_by_label("Time zone").fill("Europe/Berlin")
    page.get_by_role("button", name="Add publisher").click()
    page.wait_for_url("**/admin/publishers/*")
    page.get_by_role("button", name="Edit profile").click()
    profile = page.locator("#profile")
    profile.get_by_label("Country").fill("XYZ")
    profile.get_by_role("button", name="Save profile").click()
    profile.get_by_text("two-letter ISO 3166").wait_for()
    profile.get_by_label("Country").fill("de")
    profile.get_by_role("button", name="Save profile").click()
    page.locator("#profile").get_by_text("Publisher “Goal Rush Media” is saved.").wait_for()
    assert "DE" in page.locator("#profile dl").inner_text()
    users = page.locator("#users")
    users.get_by_text("Invite a user").click()
    users.get_by_label("Email").fill("maya@goalrush.example")
    users.get_by_label("First name").fill("Maya")
    users.get_by_role("button", name="Invite user").click()
    link = page.locator("#invite-link")
    link.wait_for()
    invite_url = link.input_value()
    assert "/set-password/" in invite_url

    payouts = page.locator("#payouts")
    payouts.get_by_text("Add a custom payout").click()
    payouts.locator('select[name="new-payout-offer_id"]').select_option(label="Northstar Casino")
    payouts.get_by_label("Offer event").select_option(label="Northstar Casino › First deposit (ftd)")
    payouts.get_by_label("Payout amount").fill("65")
    payouts.get_by_role("button", name="Add custom payout").click()
    page.locator("#payouts").get_by_text("Custom payout is added.").wait_for()
    assert "65.00" in page.locator("#payouts table").inner_text()
    throttles = page.locator("#throttles")
    throttles.get_by_text("Add a throttle").click()
    throttles.locator('select[name="new-throttle-offer_id"]').select_option(label="Northstar Casino")
    throttles.get_by_label("Throttle percentage").fill("20")
    throttles.get_by_label("sub1").fill("spring-blog")
    throttles.get_by_role("button", name="Add throttle").click()
    page.locator("#throttles").get_by_text("Throttle is added.").wait_for()
    assert "20% → Rejected" in page.locator("#throttles table").inner_text()
    blocked = page.locator("#blocked")
    blocked.get_by_text("Block a sub ID").click()
    blocked.get_by_label("Offer").select_option(label="Northstar Casino")
    blocked.get_by_label("Sub ID value").fill("bot-farm")
    blocked.get_by_label("Why").fill("incentivised traffic")
    blocked.get_by_role("button", name="Block sub ID").click()
    page.locator("#blocked").get_by_text("Sub ID “bot-farm” is blocked").wait_for()
    assert "incentivised traffic" in page.locator("#blocked table").inner_text()

    # Admin → Users: an advertiser user for Northstar, invited with a link to copy; the list refreshes in place.
    page.get_by_role("link", name="Users", exact=True).click()
    page.wait_for_url("**/admin/users")
    invite = page.locator("#user-invite")
    invite.get_by_text("Invite a network or advertiser user").click()
    invite.get_by_label("Email").fill("ops@northstar.example")
    invite.get_by_label("First name").fill("Ola")
    invite.get_by_label("Role").select_option(label="Advertiser user")
    invite.locator("#invite-advertiser_id").select_option(label="Northstar Gaming")
    invite.get_by_role("button", name="Invite user").click()
    assert "/set-password/" in page.locator("#user-invite #invite-link").input_value()
    page.locator("#users-table").get_by_text("ops@northstar.example").wait_for()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")

    # The invited user sets a password from the link and signs in.
    page.goto(invite_url)
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat new password").fill(PASSWORD)
    page.get_by_role("button", name="Set password").click()
    page.wait_for_url("**/login")
    page.get_by_label("Email").fill("maya@goalrush.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")

    # The offer list shows the custom payout for the event and the default for the offer.
    page.get_by_role("link", name="Offers").click()
    offer = db.session.scalar(select(Offer).where(Offer.name == "Northstar Casino"))
    card = page.locator(f"#offer-{offer.id}")
    ftd = card.locator('tr[data-event-code="ftd"]').inner_text()
    assert "65.00 EUR" in ftd and "your rate" in ftd
    assert "25.00 EUR" in card.locator('[data-payout="offer"]').inner_text()
    assert "Welcome bonus" in card.inner_text()

    # "Create link" opens the builder with the offer picked; the link is saved for this publisher.
    card.get_by_role("button", name="Create link").click()
    page.wait_for_url(f"**/links/new?offer={offer.id}")
    assert page.locator("#offer_id").input_value() == str(offer.id)
    page.get_by_label("Link name").fill("Homepage banner")
    page.get_by_label("Landing page").select_option(label="Welcome bonus")
    page.get_by_label("sub1", exact=True).fill("spring-blog")
    page.wait_for_function("() => document.querySelector('#link-preview-url').value.includes('sub1=spring-blog')")
    page.get_by_role("button", name="Create link").click()
    page.wait_for_function("() => !document.querySelector('#link-preview-url').value.includes('LINK_ID')")
    db.session.expire_all()
    link = db.session.scalar(select(TrackingLink))
    publisher = db.session.scalar(select(Publisher).where(Publisher.name == "Goal Rush Media"))
    landing = db.session.scalar(select(LandingPage).where(LandingPage.name == "Welcome bonus"))
    assert (link.offer_id, link.publisher_id, link.name, link.landing_page_id) == (offer.id, publisher.id, "Homepage banner", landing.id)
    block = db.session.scalar(select(BlockedSubId))
    assert (block.publisher_id, block.offer_id, block.sub_id) == (publisher.id, offer.id, "bot-farm")
    ops = db.session.scalar(select(User).where(User.email == "ops@northstar.example"))
    northstar = db.session.scalar(select(Advertiser).where(Advertiser.name == "Northstar Gaming"))
    assert (ops.role, ops.advertiser_id, ops.password_hash) == (Role.ADVERTISER, northstar.id, None)


def test_admin_edits_a_user_in_place_and_suspends_a_selection(app, browser, page):
    admin = UserFactory(email="admin@tracklane.test")
    ada = UserFactory(email="ada@brand.example", first_name="Ada", is_advertiser=True, advertiser__name="Brand Casino")
    bob = UserFactory(email="bob@brand.example", first_name="Bob", is_advertiser=True, advertiser=ada.advertiser)
    db.session.commit()
    sign_in(page, admin)
    page.goto("/admin/users")

    row = page.locator(f"#user-{ada.id}")
    row.get_by_role("link", name="Edit").click()
    editing = page.locator(f"#user-{ada.id}.editing")
    editing.get_by_label("Time zone").fill("Mars/Olympus")
    editing.get_by_role("button", name="Save user").click()
    page.locator(f"#user-{ada.id}.editing").get_by_text("Enter a time zone").wait_for()
    page.locator(f"#user-{ada.id}.editing").get_by_label("First name").fill("Adaline")
    page.locator(f"#user-{ada.id}.editing").get_by_label("Time zone").fill("Europe/Paris")
    page.locator(f"#user-{ada.id}.editing").get_by_label("City").fill("Paris")
    page.locator(f"#user-{ada.id}.editing").get_by_label("Country").fill("fr")
    page.locator(f"#user-{ada.id}.editing").get_by_role("button", name="Save user").click()
    page.locator(f"#user-{ada.id}").get_by_text("ada@brand.example is saved.").wait_for()
    assert "Adaline" in page.locator(f"#user-{ada.id}").inner_text()

    # The own row offers no way to lock oneself out; a selection of others is suspended in one go.
    assert page.locator(f"#user-{admin.id}").get_by_role("button", name="Suspend").count() == 0
    page.get_by_label("Select ada@brand.example").check()
    page.get_by_label("Select bob@brand.example").check()
    page.get_by_label("With the selected").select_option(label="Suspend")
    page.get_by_role("button", name="Apply").click()
    page.locator("#users-table").get_by_text("2 users changed.").wait_for()
    assert page.locator(f"#user-{bob.id} [data-status]").inner_text() == "Suspended"
    db.session.expire_all()
    assert [db.session.get(User, user.id).first_name for user in (ada, bob)] == ["Adaline", "Bob"]
    assert (db.session.get(User, ada.id).city, db.session.get(User, ada.id).country) == ("Paris", "FR")
    assert {db.session.get(User, user.id).status.value for user in (ada, bob)} == {"Suspended"}
