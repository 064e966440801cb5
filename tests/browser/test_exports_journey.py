"""A publisher exports its click log, watches the progress bar in the download center and downloads the zip."""
import csv
import io
import zipfile
from datetime import UTC, datetime

from portal.extensions import db
from tests.browser.test_accounts import sign_in
from tests.exports.conftest import work_exports
from tests.factories import ClickFactory, TrackingLinkFactory, UserFactory


def test_publisher_requests_an_export_waits_for_it_and_downloads_it(app, page):
    publisher = UserFactory(is_publisher=True)
    link = TrackingLinkFactory(publisher=publisher.publisher, name="Blog sidebar")
    for n in range(3):
        ClickFactory(link=link, created_at=datetime(2026, 5, 1, 10, n, tzinfo=UTC), sub1=f"=cmd|{n}")
    other = TrackingLinkFactory(name="Someone else's")
    ClickFactory(link=other, sub1="not-mine")
    db.session.commit()
    sign_in(page, publisher)

    page.get_by_role("link", name="Logs").click()
    page.wait_for_url("**/logs/clicks")
    assert page.get_by_text("3 rows").is_visible()
    page.get_by_role("button", name="Export these rows to CSV").click()
    page.get_by_text("Export requested").wait_for()

    page.get_by_role("link", name="download center").click()
    page.wait_for_url("**/exports")
    progress = page.locator("progress")
    progress.wait_for()
    assert page.get_by_text("Waiting").is_visible()

    work_exports()  # a real RQ worker runs the job while the page polls
    download_button = page.get_by_role("button", name="Download")
    download_button.wait_for()
    assert progress.count() == 0 and page.get_by_text("Ready").is_visible()
    with page.expect_download() as arrived:
        download_button.click()
    download = arrived.value
    assert download.suggested_filename.startswith("click-logs-") and download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(download.path()) as archive:
        [name] = archive.namelist()
        rows = list(csv.reader(io.TextIOWrapper(archive.open(name), encoding="utf-8", newline="")))
    assert [row[5] for row in rows[1:]] == ["'=cmd|2", "'=cmd|1", "'=cmd|0"]
    assert all(row[3] == "Blog sidebar" for row in rows[1:])
