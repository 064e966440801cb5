"""The global CSRFProtect refuses a form post without its token before any view runs, so a view never
checks the token again: every CSRF-only action below is answered by the one "Form expired" error (400)."""
import pytest
from flask import url_for

from tests.conftest import signed_in_client
from tests.factories import UserFactory

ADMIN = {}
PUBLISHER = {"is_publisher": True}
ADVERTISER = {"is_advertiser": True}
ACTIONS = [
    (ADMIN, "users_admin.user_change", {"user_id": 1, "change": "suspend"}),
    (ADVERTISER, "api_keys.revoke", {"key_id": 1}),
    (ADMIN, "redemptions_admin.complete", {"redemption_id": 1}),
    (ADMIN, "redemptions_admin.refund_points", {"redemption_id": 1}),
    (ADMIN, "rewards_admin.delete", {"reward_id": 1}),
    (ADMIN, "rewards_admin.rule_delete", {"rule_id": 1}),
    (ADMIN, "rewards_admin.award_now", {}),
    (ADMIN, "network_admin.publisher_user_change", {"publisher_id": 1, "user_id": 1, "change": "suspend"}),
    (ADMIN, "network_admin.custom_term_delete", {"publisher_id": 1, "section": "payouts", "row_id": 1}),
    (ADMIN, "publisher_blocks.delete", {"publisher_id": 1, "block_id": 1}),
    (ADMIN, "network_admin.event_active", {"offer_id": 1, "event_id": 1, "change": "activate"}),
    (ADMIN, "network_admin.page_change", {"offer_id": 1, "page_id": 1, "change": "hide"}),
    (ADMIN, "network_admin.access_decide", {"offer_id": 1, "access_id": 1, "decision": "approve"}),
    (ADMIN, "network_admin.offer_archive", {"offer_id": 1}),
    (ADMIN, "network_admin.offer_restore", {"offer_id": 1}),
    (ADMIN, "network_admin.publisher_archive", {"publisher_id": 1}),
    (ADMIN, "network_admin.publisher_restore", {"publisher_id": 1}),
    (ADMIN, "network_admin.advertiser_archive", {"advertiser_id": 1}),
    (ADMIN, "network_admin.advertiser_restore", {"advertiser_id": 1}),
    (ADMIN, "blocked_subids.delete", {"block_id": 1}),
    (ADMIN, "blocked_subids.bulk_delete", {}),
    (PUBLISHER, "publisher_offers.request_offer_access", {"offer_id": 1}),
    (PUBLISHER, "marketing_sources.delete", {"source_id": 1}),
    (PUBLISHER, "links.archive", {"link_id": 1}),
    (PUBLISHER, "links.restore", {"link_id": 1}),
    (PUBLISHER, "subids.delete", {"sub_id_id": 1}),
    (PUBLISHER, "subids.bulk_delete", {}),
    (ADVERTISER, "conversions.approve", {"conversion_id": 1}),
    (ADVERTISER, "conversions.bulk", {}),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["browser", "htmx"])
@pytest.mark.parametrize("traits, endpoint, ids", ACTIONS, ids=[a[1] for a in ACTIONS])
def test_an_action_posted_without_its_token_is_refused_by_the_global_check(app, traits, endpoint, ids, htmx):
    client = signed_in_client(app, UserFactory(**traits))
    with app.test_request_context():
        url = url_for(endpoint, **ids)
    headers = {"HX-Request": "true"} if htmx else {}

    refused = client.post(url, data={"ids": ["1"]}, headers=headers, csrf=False)

    assert refused.status_code == 400
    assert "The form was missing its security token" in refused.text  # portal.ops.errors, not the view
