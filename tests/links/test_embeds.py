"""The embed code of a banner for one of the publisher's links: only its own live links for the offer, and seed
000's exact shape with every value escaped."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from portal.creatives.service import CreativeError
from portal.links.embeds import embed_code, embed_links
from portal.types import utcnow
from tests.factories import CreativeFactory, PublisherFactory, TrackingLinkFactory


def test_embed_links_are_the_publishers_own_live_links_for_the_offer(app):
    creative = CreativeFactory()
    publisher = PublisherFactory()
    mine = TrackingLinkFactory(publisher=publisher, offer=creative.offer, name="b")
    for_this_banner = TrackingLinkFactory(publisher=publisher, offer=creative.offer, creative_id=creative.id, name="z")
    TrackingLinkFactory(publisher=publisher, offer=creative.offer, archived_at=utcnow())
    TrackingLinkFactory(publisher=publisher)  # another offer
    TrackingLinkFactory(offer=creative.offer)  # another publisher

    assert [link.id for link in embed_links(publisher.id, creative)] == [for_this_banner.id, mine.id]


def test_embed_code_has_the_exact_seed_000_shape(app):
    creative = CreativeFactory(
        public_id="cr_AbC123-xyz", file_name="ab" * 32 + ".png", width=728, height=90, alt_text="Banner"
    )
    link = TrackingLinkFactory(public_id="lnk_Q9-z", offer=creative.offer)

    code = embed_code(creative, link, "https://track.example.com")

    assert code == (
        '<a href="https://track.example.com/api/v1/track/click/lnk_Q9-z">'
        f'<img src="https://track.example.com/creatives/{"ab" * 32}.png" width="728" height="90" alt="Banner" border="0" />'
        f'<img src="https://track.example.com/api/v1/track/impression/cr_AbC123-xyz?lid=lnk_Q9-z&aid={link.publisher_id}"'
        ' width="1" height="1" style="display:none" alt="" /></a>'
    )


def test_embed_code_ignores_a_trailing_slash_on_the_base_url(app):
    creative = CreativeFactory()
    link = TrackingLinkFactory(offer=creative.offer)
    assert embed_code(creative, link, "https://t.example/") == embed_code(creative, link, "https://t.example")


@pytest.mark.parametrize(
    ("alt", "escaped"),
    [
        ('Win "big" now', "Win &#34;big&#34; now"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("Tom's & Jerry's", "Tom&#39;s &amp; Jerry&#39;s"),
        ('" onerror="alert(1)', "&#34; onerror=&#34;alert(1)"),
    ],
)
def test_embed_code_escapes_the_alt_text(app, alt, escaped):
    creative = CreativeFactory(alt_text=alt)
    link = TrackingLinkFactory(offer=creative.offer)

    code = embed_code(creative, link, "https://t.example")

    assert f'alt="{escaped}" border="0" />' in code
    assert alt not in code
    tags = parse(code)
    assert [tag for tag, _ in tags] == ["a", "img", "img"]
    assert tags[1][1]["alt"] == alt  # what a browser reads back is exactly what the admin typed
    assert set(tags[1][1]) == {"src", "width", "height", "alt", "border"}


def parse(code: str) -> list[tuple[str, dict]]:
    """The start tags of `code` with their attributes as a browser decodes them."""
    tags: list[tuple[str, dict]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append((tag, dict(attrs)))

        def handle_startendtag(self, tag, attrs):
            tags.append((tag, dict(attrs)))

    Collector().feed(code)
    return tags


def test_embed_code_escapes_the_base_url(app):
    creative = CreativeFactory()
    link = TrackingLinkFactory(offer=creative.offer)
    base = 'https://t.example/"><script>x</script>'

    tags = parse(embed_code(creative, link, base))

    assert [tag for tag, _ in tags] == ["a", "img", "img"]
    assert tags[0][1] == {"href": f"{base}/api/v1/track/click/{link.public_id}"}


def test_embed_code_percent_encodes_link_ids_in_urls(app):
    creative = CreativeFactory()
    link = TrackingLinkFactory(public_id='a&b"c', offer=creative.offer)

    code = embed_code(creative, link, "https://t.example")

    assert 'href="https://t.example/api/v1/track/click/a&amp;b%22c"' in code
    assert f"?lid=a%26b%22c&aid={link.publisher_id}" in code


def test_embed_code_refuses_a_link_of_another_offer(app):
    creative = CreativeFactory()
    with pytest.raises(CreativeError):
        embed_code(creative, TrackingLinkFactory(), "https://t.example")
