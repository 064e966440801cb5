"""Admin → Users over HTTP: admins only, role filter, email search, HTMX partial, pages of 50."""
import re

import pytest

from portal.accounts.models import UserStatus
from portal.extensions import db
from tests.factories import UserFactory

URL = "/admin/users"


def emails(page: str) -> list[str]:
    return re.findall(r"<td>([^<@]+@[^<]+)</td>", page)


@pytest.fixture
def people(admin_user):
    UserFactory(email="pia@publisher.test", first_name="Pia", is_publisher=True, publisher__name="Pia Media")
    UserFactory(email="adam@brand.test", first_name="Adam", is_advertiser=True, advertiser__name="Brand Casino")
    UserFactory(email="sus@publisher.test", is_publisher=True, status=UserStatus.SUSPENDED)
    db.session.commit()


def test_publishers_and_advertisers_are_forbidden(publisher_client, advertiser_client):
    assert publisher_client.get(URL).status_code == 403
    assert advertiser_client.get(URL).status_code == 403
    assert advertiser_client.get(URL, headers={"HX-Request": "true"}).status_code == 403


def test_anonymous_visitor_is_sent_to_login(client):
    assert client.get(URL).status_code == 302


def test_admin_sees_every_user_with_role_organisation_and_status(admin_client, admin_user, people):
    response = admin_client.get(URL)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Users</h1>" in page and "4 users" in page
    assert sorted(emails(page)) == sorted([admin_user.email, "pia@publisher.test", "adam@brand.test", "sus@publisher.test"])
    assert "Pia Media" in page and "Brand Casino" in page and "Network" in page
    assert "Suspended" in page and "Never" in page


def test_filter_by_role(admin_client, people):
    page = admin_client.get(URL, query_string={"role": "publisher"}).get_data(as_text=True)
    assert sorted(emails(page)) == ["pia@publisher.test", "sus@publisher.test"]
    assert '<option selected value="publisher">' in page  # the filter keeps what was chosen


def test_search_by_email_ignores_case_and_keeps_what_was_typed(admin_client, people):
    page = admin_client.get(URL, query_string={"q": "BRAND"}).get_data(as_text=True)
    assert emails(page) == ["adam@brand.test"]
    assert 'value="BRAND"' in page


def test_filter_and_search_together(admin_client, people):
    page = admin_client.get(URL, query_string={"role": "publisher", "q": "pia"}).get_data(as_text=True)
    assert emails(page) == ["pia@publisher.test"]
    assert "No users match." in admin_client.get(URL, query_string={"role": "advertiser", "q": "pia"}).get_data(as_text=True)


def test_an_unknown_role_is_shown_as_an_error_and_not_applied(admin_client, people):
    response = admin_client.get(URL, query_string={"role": "owner"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="role-error"' in page and len(emails(page)) == 4


def test_htmx_request_gets_only_the_table(admin_client, people):
    response = admin_client.get(URL, query_string={"role": "advertiser"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    fragment = response.get_data(as_text=True).strip()
    assert fragment.startswith('<div id="users-table">') and "<html" not in fragment and 'role="search"' not in fragment
    assert emails(fragment) == ["adam@brand.test"]


def test_full_page_includes_the_same_table(admin_client, people):
    response = admin_client.get(URL)
    assert "HX-Request" in response.headers["Vary"]
    assert '<div id="users-table">' in response.get_data(as_text=True)


def test_htmx_history_restore_gets_the_full_page(admin_client, people):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    assert "<html" in admin_client.get(URL, headers=headers).get_data(as_text=True)


def test_users_come_in_pages_of_fifty_and_the_pager_keeps_the_filters(admin_client):
    for n in range(55):
        UserFactory(email=f"pub{n:02}@publisher.test", password_hash=None, is_publisher=True)
    db.session.commit()
    first = admin_client.get(URL, query_string={"role": "publisher", "q": "pub"}).get_data(as_text=True)
    assert len(emails(first)) == 50 and "page 1 of 2" in first
    next_link = re.search(r'<a href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "role=publisher" in next_link and "q=pub" in next_link and "page=2" in next_link
    second = admin_client.get(next_link).get_data(as_text=True)
    assert emails(second) == [f"pub{n:02}@publisher.test" for n in range(50, 55)]
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_a_page_past_the_end_is_empty_not_an_error(admin_client):
    response = admin_client.get(URL, query_string={"page": 9})
    assert response.status_code == 200 and "No users match." in response.get_data(as_text=True)


def test_the_admin_menu_links_the_users_page(admin_client):
    page = admin_client.get(URL).get_data(as_text=True)
    assert f'<a href="{URL}" aria-current="page">Users</a>' in page
