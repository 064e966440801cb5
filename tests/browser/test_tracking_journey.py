"""A publisher builds a link, embeds a banner on a page, and real browser traffic is counted."""
import io
import re
from urllib.parse import parse_qs, urlsplit

from PIL import Image
from sqlalchemy import func, select

from portal.creatives.storage import store_banner
from portal.extensions import db
from portal.tracking.jobs import flush_clicks, flush_impressions
from portal.tracking.models import Click, ImpressionCount
from tests.browser.test_accounts import sign_in
from tests.factories import CreativeFactory, OfferFactory, UserFactory


def banner_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 90, 200)).save(out, "PNG")
    return out.getvalue()


VISITOR_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


def test_publisher_builds_a_link_embeds_the_banner_and_traffic_is_counted(app, browser, page, live_server):
    publisher = UserFactory(is_publisher=True)
    # The destination is on the live server, so the browser can follow the redirect without a network.
    offer = OfferFactory(name="Spring Slots", destination_url=f"{live_server}/healthz?from=offer")
    stored = store_banner(banner_png(300, 250))
    creative = CreativeFactory(
        offer=offer, name="Spring 300x250", file_name=stored.file_name, content_type=stored.content_type, width=300, height=250
    )
    db.session.commit()
    sign_in(page, publisher)

    # Build the link: the live preview shows the final URL as the publisher types.
    page.goto("/links/new")
    offer_option = page.locator("#offer_id option", has_text="Spring Slots").get_attribute("value")
    page.locator("#offer_id").select_option(offer_option)
    page.get_by_label("Link name").fill("Spring banner on my blog")
    page.get_by_label("sub1", exact=True).fill("blog-sidebar")
    preview = page.locator("#link-preview-url")
    page.wait_for_function("() => document.querySelector('#link-preview-url').value.includes('sub1=blog-sidebar')")
    assert "/api/v1/track/click/" in preview.input_value()
    page.get_by_role("button", name="Create link").click()
    page.wait_for_function("() => !document.querySelector('#link-preview-url').value.includes('LINK_ID')")

    # Get the embed code for the banner and that link.
    page.goto("/creatives")
    page.get_by_role("button", name="Get embed code").first.click()
    code = page.locator("#embed-code").input_value()
    assert f"/api/v1/track/impression/{creative.public_id}?lid=" in code

    # A visitor (headless Chromium announces itself as a bot, so it poses as a desktop Chrome) opens a
    # page of the publisher's site that carries the code: the banner and the pixel load.
    visitor = browser.new_context(user_agent=VISITOR_UA).new_page()
    visitor.set_content(f"<html><body><h1>My blog</h1>{code}</body></html>")
    visitor.wait_for_function("() => [...document.images].every(img => img.complete)")
    assert visitor.evaluate("() => document.images[0].naturalWidth") == 300
    assert flush_impressions() == 1
    assert db.session.scalar(select(func.sum(ImpressionCount.count))) == 1

    # A visitor clicks the banner: redirected to the offer with a click id, counted after the flush.
    visitor.locator("a").first.click()
    visitor.wait_for_url(re.compile(r".*/healthz\?from=offer&click_id=.*"))
    click_id = parse_qs(urlsplit(visitor.url).query)["click_id"][0]
    visitor.context.close()
    assert db.session.scalar(select(func.count()).select_from(Click)) == 0
    assert flush_clicks() == 1
    click = db.session.scalar(select(Click))
    assert str(click.click_id) == click_id
    assert click.publisher_id == publisher.publisher_id and click.offer_id == offer.id
    assert not click.is_bot
