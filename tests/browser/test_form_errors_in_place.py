"""A form's 400 answer (the form with its errors) swaps in place under the one htmx responseHandling config."""
from portal.extensions import db
from tests.browser.test_accounts import sign_in
from tests.factories import UserFactory


def test_a_publishers_invalid_sub_id_shows_its_errors_in_place(app, page):
    user = UserFactory(is_publisher=True)
    db.session.commit()
    sign_in(page, user)
    page.goto("/sub-ids")
    page.evaluate("window.stillHere = true")  # a full-page submit would drop it
    page.get_by_role("button", name="Add sub ID").click()

    errors = page.locator("#subid-create .field-error")
    errors.first.wait_for()
    assert errors.count() >= 1
    assert page.evaluate("window.stillHere") is True
