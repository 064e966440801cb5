"""A publisher builds a report in the browser, saves it, copies its token URL and pulls it over HTTP, then
exports it and downloads the zip when the download center's progress bar completes."""
import csv
import io
import re
import urllib.request
import zipfile
from datetime import timedelta

from portal.extensions import db
from portal.reports.rollups import floor_hour, rebuild
from portal.types import utcnow
from tests.browser.test_accounts import sign_in
from tests.exports.conftest import work_exports
from tests.factories import ClickFactory, OfferFactory, TrackingLinkFactory, UserFactory


def test_build_save_and_pull_a_report(app, page, live_server):
    publisher = UserFactory(is_publisher=True)
    link = TrackingLinkFactory(publisher=publisher.publisher, offer=OfferFactory(name="Autumn Slots"), name="Blog link")
    yesterday = floor_hour(utcnow() - timedelta(days=1))
    for sub in ("newsletter", "newsletter", "sidebar"):
        ClickFactory(link=link, sub1=sub, created_at=yesterday)
    db.session.commit()
    rebuild(yesterday, yesterday + timedelta(hours=1))
    sign_in(page, publisher)

    page.goto("/reports")
    results = page.locator("#report-results")
    # Group by sub 1 and keep only clicks: the table refreshes in place and the URL keeps the state.
    page.get_by_label("Sub 1", exact=True).first.check()
    page.wait_for_url(re.compile(r".*dim=sub1.*"))
    page.locator("#report-form").get_by_label("Date", exact=True).uncheck()
    page.wait_for_function("() => !location.search.includes('dim=date')")
    results.locator("tbody tr", has_text="newsletter").wait_for()
    assert "sidebar" in results.inner_text()
    # Sort by clicks, descending: newsletter (2) first.
    results.get_by_role("link", name="Clicks", exact=True).click()
    page.wait_for_url(re.compile(r".*sort=click_count.*"))
    results.get_by_role("link", name=re.compile(r"^Clicks ▲")).click()
    page.wait_for_url(re.compile(r".*dir=desc.*"))
    assert results.locator("tbody tr").first.inner_text().startswith("newsletter")
    page.go_back()
    page.wait_for_function("() => !location.search.includes('dir=desc')")

    # Save it; the token URL appears with a copy button.
    page.get_by_label("Report name").fill("Subs this week")
    page.get_by_role("button", name="Save report").click()
    url_cell = page.locator("#report-presets .preset-url")
    url_cell.wait_for()
    token_url = url_cell.inner_text().strip()
    assert token_url.startswith(f"{live_server}/api/v1/reports/")
    assert page.locator("#report-presets").get_by_role("button", name="Copy URL").is_visible()

    with urllib.request.urlopen(token_url) as response:  # a script's pull, no cookies
        assert response.headers["Cache-Control"] == "no-store"
        rows = list(csv.reader(io.StringIO(response.read().decode())))
    assert rows == [
        ["Sub 1", "Currency", "Clicks", "Unique clicks", "Registrations", "FTDs", "Deposits", "Total reward"],
        ["newsletter", "EUR", "2", "2", "0", "0", "0.00", "0.00"],
        ["sidebar", "EUR", "1", "1", "0", "0", "0.00", "0.00"],
        ["Total", "EUR", "3", "3", "0", "0", "0.00", "0.00"],
    ]

    # Export the same report: the download center shows its progress and then the download.
    page.get_by_role("button", name="Export this report to CSV").click()
    page.locator("#report-export-status").get_by_text("Export requested").wait_for()
    page.goto("/exports")
    page.locator("progress").wait_for()
    work_exports()  # a real RQ worker runs the job while the page polls
    download_button = page.get_by_role("button", name="Download")
    download_button.wait_for()
    with page.expect_download() as arrived:
        download_button.click()
    with zipfile.ZipFile(arrived.value.path()) as archive:
        [name] = archive.namelist()
        exported = list(csv.reader(io.TextIOWrapper(archive.open(name), encoding="utf-8", newline="")))
    assert exported == rows[:-1]  # the same header and rows; an export has no totals row
