"""Every role's pages in a real browser under the page policy: served with it, no violation reported, no
JavaScript error, HTMX still swapping in place, and no other site able to frame the portal."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.creatives.storage import store_banner
from portal.extensions import db
from portal.reports.rollups import floor_hour, rebuild
from portal.types import utcnow
from tests.browser.test_accounts import sign_in
from tests.creatives.test_storage import image_bytes
from tests.factories import (
    ClickFactory,
    ConversionFactory,
    CreativeFactory,
    OfferFactory,
    PublisherFactory,
    TrackingLinkFactory,
    UserFactory,
)

# Report what the browser refuses in the console, where the test collects it: violations of the policy,
# and htmx attributes that would need eval (hx-on, trigger filters), which the page's htmx config forbids.
REPORT_REFUSALS = """
document.addEventListener("securitypolicyviolation", (event) => console.error(
  `Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI} ` +
  `${event.sourceFile}:${event.lineNumber}`));
document.addEventListener("htmx:evalDisallowedError", (event) => console.error(
  `Content Security Policy: htmx refused to eval on ${event.target.outerHTML.slice(0, 120)}`));
"""


class Refusals(list):
    """Console messages about the policy and uncaught page errors, gathered while the test browses."""

    def __init__(self, page):
        super().__init__()
        page.add_init_script(REPORT_REFUSALS)
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.append(f"{page.url}: page error: {error}"))

    def _console(self, page, message) -> None:
        if "Content Security Policy" in message.text:
            self.append(f"{page.url}: {message.text}")


@pytest.fixture
def world(app):
    """One of each role and enough data that their pages show tables, a chart, a banner and a conversion."""
    publisher = PublisherFactory(name="Alpha Media")
    users = {
        "admin": UserFactory(),
        "account_manager": UserFactory(is_account_manager=True),
        "publisher": UserFactory(is_publisher=True, publisher=publisher),
        "advertiser": UserFactory(is_advertiser=True),
    }
    offer = OfferFactory(advertiser=users["advertiser"].advertiser, name="Northstar Casino")
    stored = store_banner(image_bytes("PNG", (300, 250)))
    creative = CreativeFactory(offer=offer, file_name=stored.file_name, width=300, height=250)
    link = TrackingLinkFactory(offer=offer, publisher=publisher, creative=creative, name="Blog link")
    yesterday = floor_hour(utcnow() - timedelta(days=1))
    click = ClickFactory(link=link, sub1="newsletter", created_at=yesterday)
    ConversionFactory(link=link, click_id=click.click_id, created_at=yesterday)
    ConversionFactory(link=link, created_at=yesterday)
    db.session.commit()
    rebuild(yesterday, yesterday + timedelta(hours=1))
    return users


def visit_every_menu_page(page, live_server) -> list[str]:
    """Open each page of the signed-in user's menu; each must be served with the page policy."""
    hrefs = page.locator("nav.main-nav a").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert len(hrefs) >= 6
    for href in hrefs:
        response = page.goto(href)
        assert response.status == 200, href
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], href
        assert response.headers["x-frame-options"] == "DENY", href
    return hrefs


def filter_publishers_in_place(page):
    page.goto("/admin/publishers")
    page.locator("form[role=search] input[name=q]").fill("Alpha")
    page.wait_for_url(re.compile(r".*q=Alpha.*"))
    expect(page.locator("#publishers-table")).to_contain_text("Alpha Media")


def review_conversions_in_place(page):
    page.goto("/conversions")
    rows = page.locator("#conversion-rows tr[data-conversion-id]")
    expect(rows).to_have_count(2)
    # Select-all and the drawer's close link are data attributes handled by app.js, not inline handlers.
    page.get_by_label("Select every conversion on this page").check()
    expect(page.locator("#conversion-rows input[name=ids]:checked")).to_have_count(2)
    rows.first.get_by_role("link", name="Details").click()
    drawer = page.locator("#conversion-drawer")
    expect(drawer.get_by_role("heading", name=re.compile(r"^Conversion \d+"))).to_be_visible()
    drawer.get_by_role("link", name="Close").click()
    expect(drawer).to_be_empty()


def pick_report_dates_in_place(page):
    page.goto("/reports")
    expect(page.locator("#report-results figure.report-chart svg")).to_be_visible()
    # A date typed in switches the range to custom before htmx sends the form.
    page.locator("#report-form input[name=start]").fill((utcnow() - timedelta(days=3)).date().isoformat())
    page.wait_for_url(re.compile(r".*range=custom.*"))
    expect(page.locator("#report-range")).to_have_value("custom")


INTERACTIONS = {
    "admin": filter_publishers_in_place,
    "account_manager": review_conversions_in_place,
    "publisher": pick_report_dates_in_place,
    "advertiser": review_conversions_in_place,
}


@pytest.mark.parametrize("role", INTERACTIONS)
def test_each_roles_pages_run_under_the_policy_without_a_violation(world, page, live_server, role):
    refusals = Refusals(page)
    sign_in(page, world[role])
    visit_every_menu_page(page, live_server)
    INTERACTIONS[role](page)
    assert refusals == []


def test_the_publishers_banner_pages_show_their_images_under_the_policy(world, page):
    refusals = Refusals(page)
    sign_in(page, world["publisher"])
    page.goto("/creatives")
    banner = page.locator(".creative-card img").first
    expect(banner).to_be_visible()
    assert banner.evaluate("img => img.complete && img.naturalWidth") == 300
    page.get_by_role("button", name="Get embed code").first.click()
    preview = page.locator(".embed-preview img")
    expect(preview).to_be_visible()
    assert preview.evaluate("img => img.complete && img.naturalWidth") == 300
    assert refusals == []


def test_no_other_site_can_frame_the_portal(page, live_server):
    refusals = Refusals(page)
    page.set_content(f'<iframe id="framed" src="{live_server}/login" width="600" height="400"></iframe>')
    page.wait_for_timeout(500)
    framed = page.frame_locator("#framed")
    expect(framed.locator("form")).to_have_count(0)
    assert any("frame-ancestors 'none'" in message for message in refusals)
