"""Download-center HTTP: status codes of every route, CSRF, owner-only signed downloads, HTMX partials."""
from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest

from portal.exports import service
from portal.exports.models import Export, ExportStatus
from portal.extensions import db
from portal.queues import get_queue
from portal.types import utcnow
from tests.conftest import signed_in_client
from tests.exports.conftest import work_exports

HTMX = {"HX-Request": "true"}


@pytest.fixture
def alice(app, traffic):
    return signed_in_client(app, traffic.alice)


@pytest.fixture
def bob(app, traffic):
    return signed_in_client(app, traffic.bob)


def completed_export(user) -> Export:
    export = service.request_export(user, "click_logs", "")
    db.session.commit()
    service.dispatch(export)
    work_exports()
    return db.session.get(Export, export.id)


def an_export(user, status: ExportStatus) -> Export:
    export = Export(requested_by_id=user.id, kind="click_logs", query={"args": ""}, status=status, job_id=f"job-{status.value}-{user.id}")
    db.session.add(export)
    db.session.commit()
    return export


def download_url(export: Export) -> str:
    return f"/exports/{export.id}/download?token={service.sign_download(export)}"


def test_the_download_center_needs_a_sign_in(client):
    assert client.get("/exports").status_code == 302
    assert client.post("/exports", data={"kind": "click_logs"}).status_code == 302


@pytest.mark.parametrize("role", ["admin_client", "publisher_client", "advertiser_client"])
def test_every_role_has_a_download_center_and_logs_in_its_menu(role, request):
    client = request.getfixturevalue(role)
    page = client.get("/exports")
    assert page.status_code == 200 and "No exports yet." in page.text
    assert '<a href="/exports" aria-current="page">Downloads</a>' in page.text and '<a href="/logs/clicks" >Logs</a>' in page.text


def test_requesting_an_export_queues_its_job_and_redirects_to_the_download_center(alice, traffic):
    response = alice.post("/exports", data={"kind": "click_logs", "query": "start=2026-03-01&offer="})
    assert response.status_code == 303 and response.headers["Location"].endswith("/exports")
    export = db.session.query(Export).one()
    assert export.requested_by_id == traffic.alice.id and export.status == ExportStatus.PENDING
    assert export.query == {"args": "start=2026-03-01&offer="}
    assert get_queue("exports").job_ids == [export.job_id]
    listing = alice.get("/exports")
    assert "<progress" in listing.text and 'hx-trigger="every 1s"' in listing.text


def test_an_htmx_request_gets_a_message_instead_of_a_redirect(alice):
    response = alice.post("/exports", data={"kind": "conversion_logs", "query": ""}, headers=HTMX)
    assert response.status_code == 202 and "download center" in response.text
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "passwords", "query": ""}, "Unknown export kind."),
        ({"kind": "click_logs", "query": "start=yesterday"}, "The start date must look like 2026-01-31."),
        ({"kind": "click_logs", "query": "start=2026-03-05&end=2026-03-01"}, "The end date is before the start date."),
        ({"kind": "click_logs", "query": "x=" + "a" * 5000}, "The filters are too long."),
        ({"kind": "report", "query": "range=custom&start=2026-13-01"}, "start"),
    ],
)
def test_a_bad_export_request_is_a_400_with_its_reason(alice, data, message):
    page = alice.post("/exports", data=data)
    assert page.status_code == 400 and message in page.text
    partial = alice.post("/exports", data=data, headers=HTMX)
    assert partial.status_code == 400 and message in partial.text and "<html" not in partial.text
    assert db.session.query(Export).count() == 0


def test_posts_without_a_csrf_token_are_refused(alice, traffic):
    export = an_export(traffic.alice, ExportStatus.PENDING)
    assert alice.post("/exports", data={"kind": "click_logs"}, csrf=False).status_code == 400
    for action in ("cancel", "retry", "delete"):
        assert alice.post(f"/exports/{export.id}/{action}", csrf=False).status_code == 400
    assert db.session.query(Export).count() == 1


def test_cancel_waiting_export(alice, traffic):
    export = an_export(traffic.alice, ExportStatus.PENDING)
    response = alice.post(f"/exports/{export.id}/cancel", headers=HTMX)
    assert response.status_code == 200 and 'id="exports-table"' in response.text and "Canceled" in response.text
    assert 'hx-trigger="every 1s"' not in response.text  # nothing runs any more: polling stops
    db.session.expire_all()
    assert export.status == ExportStatus.CANCELED
    again = alice.post(f"/exports/{export.id}/cancel")
    assert again.status_code == 409 and "Only a waiting or running export can be canceled." in again.text
    assert alice.post(f"/exports/{export.id}/cancel", headers=HTMX).status_code == 409


def test_retry_requeues_a_failed_export_and_refuses_a_completed_one(alice, traffic):
    failed = an_export(traffic.alice, ExportStatus.ERROR)
    response = alice.post(f"/exports/{failed.id}/retry")
    assert response.status_code == 303
    db.session.expire_all()
    assert failed.status == ExportStatus.PENDING and get_queue("exports").job_ids == [failed.job_id]
    work_exports()
    assert db.session.get(Export, failed.id).status == ExportStatus.COMPLETED
    assert alice.post(f"/exports/{failed.id}/retry").status_code == 409


def test_delete_removes_the_row_and_the_file(alice, traffic):
    export = completed_export(traffic.alice)
    path = service.artifact_path(export)
    assert path.exists()
    assert alice.post(f"/exports/{export.id}/delete").status_code == 303
    assert not path.exists() and db.session.query(Export).count() == 0
    assert alice.post(f"/exports/{export.id}/delete").status_code == 404


def test_another_persons_export_is_a_404_for_every_action(bob, traffic):
    export = an_export(traffic.alice, ExportStatus.ERROR)
    for action in ("cancel", "retry", "delete"):
        assert bob.post(f"/exports/{export.id}/{action}").status_code == 404
    assert bob.get(download_url(export)).status_code == 404
    assert "click_logs" not in bob.get("/exports").text
    db.session.expire_all()
    assert export.status == ExportStatus.ERROR


def test_the_owner_downloads_the_zip_through_the_signed_link(alice, traffic):
    export = completed_export(traffic.alice)
    listing = alice.get("/exports").text
    assert f"/exports/{export.id}/download?token=" in listing and 'hx-trigger' not in listing
    response = alice.get(download_url(export))
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert f'filename={export.file_name}' in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert archive.namelist() == [export.file_name.removesuffix(".zip") + ".csv"]


def test_a_link_signed_for_someone_else_or_tampered_with_is_a_404(alice, bob, traffic):
    mine = completed_export(traffic.alice)
    bobs = completed_export(traffic.bob)
    assert alice.get(f"/exports/{mine.id}/download").status_code == 404
    assert alice.get(f"/exports/{mine.id}/download?token=forged").status_code == 404
    assert alice.get(f"/exports/{mine.id}/download?token={service.sign_download(bobs)}").status_code == 404
    assert bob.get(download_url(mine)).status_code == 404  # the owner's own link, in another's hands


def test_an_old_link_is_gone_with_a_message(alice, traffic, app, monkeypatch):
    export = completed_export(traffic.alice)
    url = download_url(export)
    monkeypatch.setitem(app.config, "EXPORT_LINK_MINUTES", -1)
    response = alice.get(url)
    assert response.status_code == 410 and "This download link has expired" in response.text


def test_an_export_past_its_retention_is_gone(alice, traffic):
    export = completed_export(traffic.alice)
    export.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = alice.get(download_url(export))
    assert response.status_code == 410 and "retention" in response.text
    assert "Expired" in alice.get("/exports").text


def test_an_unfinished_export_has_nothing_to_download(alice, traffic):
    export = an_export(traffic.alice, ExportStatus.IN_PROGRESS)
    assert alice.get(download_url(export)).status_code == 404
