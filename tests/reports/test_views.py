"""The report builder page: full page vs HTMX partial, escaping, isolation, and preset management."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.reports.models import ReportPreset
from portal.reports.presets import save_preset, token_for
from portal.reports.query import ReportQuery
from tests.conftest import signed_in_client

NOV_10 = "range=custom&start=2026-11-10&end=2026-11-10"


def test_full_page_and_htmx_partial(app, world):
    client = signed_in_client(app, world.user_a)
    page = client.get(f"/reports?{NOV_10}&dim=sub1&metric=click_count")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and 'id="report-form"' in html and "Saved reports" in html
    partial = client.get(f"/reports?{NOV_10}&dim=sub1&metric=click_count", headers={"HX-Request": "true"})
    body = partial.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<div id="report-results"')
    assert "HX-Request" in partial.headers["Vary"]
    assert "<svg" in body and 'hx-swap-oob="true"' in body


def test_history_restore_gets_the_whole_page(app, world):
    client = signed_in_client(app, world.user_a)
    response = client.get(f"/reports?{NOV_10}", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.get_data(as_text=True)


def test_sub_ids_are_escaped(app, world):
    from portal.reports.rollups import rebuild
    from tests.reports.conftest import at, click

    click(world.link_b, "2026-11-10 17:00", sub1='<script>alert("x")</script>')
    db.session.commit()
    rebuild(at("2026-11-10 17:00"), at("2026-11-10 18:00"))
    html = signed_in_client(app, world.user_b).get(f"/reports?{NOV_10}&dim=sub1&metric=click_count").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_page_shows_only_the_viewers_rows(app, world):
    html = signed_in_client(app, world.user_b).get(f"/reports?{NOV_10}&dim=link&dim=sub1&metric=click_count").get_data(as_text=True)
    assert "Beta link" in html and "Main link" not in html and "alpha" not in html
    foreign = signed_in_client(app, world.user_b).get(f"/reports?{NOV_10}&dim=link&metric=click_count&f_link={world.link_a.id}")
    assert "Main link" not in foreign.get_data(as_text=True)


def test_admin_groups_by_publisher(app, world, admin_client):
    html = admin_client.get(f"/reports?{NOV_10}&dim=publisher&metric=click_count").get_data(as_text=True)
    assert "Alpha Media" in html and "Beta Media" in html


def test_an_account_manager_sees_the_network_and_groups_by_publisher(app, world, manager_client):
    html = manager_client.get(f"/reports?{NOV_10}&dim=publisher&metric=click_count").get_data(as_text=True)
    assert "Alpha Media" in html and "Beta Media" in html


def test_bad_date_is_a_400_page_with_the_message(app, world):
    response = signed_in_client(app, world.user_a).get("/reports?range=custom&start=2026-02-31")
    assert response.status_code == 400 and "YYYY-MM-DD" in response.get_data(as_text=True)


def test_sign_in_required(client):
    response = client.get("/reports")
    assert response.status_code == 302 and "login" in response.headers["Location"]


def test_save_preset_shows_its_token_url(app, world):
    client = signed_in_client(app, world.user_a)
    response = client.post("/reports/presets", data={"name": "Mornings", "state": f"{NOV_10}&dim=sub1&metric=click_count"},
                           headers={"HX-Request": "true"})  # fmt: skip
    assert response.status_code == 200
    preset = db.session.scalars(select(ReportPreset)).one()
    assert (preset.name, preset.dimensions, preset.metrics, preset.publisher_id) == ("Mornings", ["sub1"], ["click_count"], world.publisher_a.id)
    assert f"http://localhost/api/v1/reports/{token_for(preset)}" in response.get_data(as_text=True)
    assert client.get("/reports").get_data(as_text=True).count(token_for(preset)) == 1


def test_save_needs_a_name_and_a_csrf_token(app, world):
    client = signed_in_client(app, world.user_a)
    response = client.post("/reports/presets", data={"name": "  ", "state": NOV_10}, headers={"HX-Request": "true"})
    assert response.status_code == 400 and "name" in response.get_data(as_text=True)
    assert client.post("/reports/presets", data={"name": "x", "state": ""}, csrf=False).status_code == 400
    assert db.session.scalar(select(ReportPreset.id)) is None


def test_public_base_url_is_used_for_the_token_url(app, world):
    app.config["PUBLIC_BASE_URL"] = "https://track.example"
    try:
        preset = save_preset(world.user_a, "Base", ReportQuery(publisher_id=world.publisher_a.id).resolve_dates())
        db.session.commit()
        html = signed_in_client(app, world.user_a).get("/reports").get_data(as_text=True)
        assert f"https://track.example/api/v1/reports/{token_for(preset)}" in html
    finally:
        app.config["PUBLIC_BASE_URL"] = ""


def _preset(world, user=None):
    user = user or world.user_a
    preset = save_preset(user, "Mine", ReportQuery(publisher_id=user.publisher_id).resolve_dates())
    db.session.commit()
    return preset


def test_regenerate_disable_enable_rename_delete(app, world):
    client = signed_in_client(app, world.user_a)
    preset = _preset(world)
    old = token_for(preset)
    assert client.post(f"/reports/presets/{preset.id}/regenerate", headers={"HX-Request": "true"}).status_code == 200
    db.session.refresh(preset)
    assert token_for(preset) != old and client.get(f"/api/v1/reports/{old}").status_code == 401
    client.post(f"/reports/presets/{preset.id}/enabled", data={"enabled": "0"}, headers={"HX-Request": "true"})
    db.session.refresh(preset)
    assert preset.enabled is False and client.get(f"/api/v1/reports/{token_for(preset)}").status_code == 401
    client.post(f"/reports/presets/{preset.id}/enabled", data={"enabled": "1"})
    db.session.refresh(preset)
    assert preset.enabled is True
    renamed = client.post(f"/reports/presets/{preset.id}/rename", data={"name": "Evenings"}, headers={"HX-Request": "true"})
    assert "Evenings" in renamed.get_data(as_text=True)
    too_long = client.post(f"/reports/presets/{preset.id}/rename", data={"name": "x" * 101}, headers={"HX-Request": "true"})
    assert too_long.status_code == 400
    token = token_for(preset)
    response = client.post(f"/reports/presets/{preset.id}/delete")
    assert response.status_code == 302
    assert db.session.get(ReportPreset, preset.id) is None and client.get(f"/api/v1/reports/{token}").status_code == 401


def test_another_users_preset_is_404(app, world):
    preset = _preset(world, world.user_a)
    other = signed_in_client(app, world.user_b)
    for action in ("regenerate", "enabled", "rename", "delete"):
        assert other.post(f"/reports/presets/{preset.id}/{action}", data={"name": "x"}).status_code == 404
    assert other.get(f"/reports/presets/{preset.id}").status_code == 404
    assert token_for(preset) not in other.get("/reports").get_data(as_text=True)


def test_open_preset_redirects_to_its_builder_state(app, world):
    preset = _preset(world)
    response = signed_in_client(app, world.user_a).get(f"/reports/presets/{preset.id}")
    assert response.status_code == 302 and "range=last_7_days" in response.headers["Location"]


def test_export_button_requests_a_report_export_with_the_builder_state(app, world):
    html = signed_in_client(app, world.user_a).get(f"/reports?{NOV_10}&dim=sub1&metric=click_count").get_data(as_text=True)
    assert 'name="kind" value="report"' in html
    assert "dim=sub1&amp;metric=click_count&amp;range=custom&amp;start=2026-11-10" in html


def test_a_managed_sub_id_shows_its_name_next_to_its_value(app, world):
    from tests.factories import SubIdFactory

    SubIdFactory(publisher=world.publisher_a, external_id="alpha", name="Alpha <newsletter>")
    SubIdFactory(publisher=world.publisher_b, external_id="beta", name="Beta own name")
    SubIdFactory(publisher=world.publisher_b, external_id="alpha", name="Not A name")
    db.session.commit()
    html = signed_in_client(app, world.user_a).get(f"/reports?{NOV_10}&dim=sub1&metric=click_count").get_data(as_text=True)
    assert '<small class="sub-id-name">Alpha &lt;newsletter&gt;</small>' in html
    assert "Not A name" not in html and "Beta own name" not in html
    without_sub = signed_in_client(app, world.user_a).get(f"/reports?{NOV_10}&dim=country&metric=click_count")
    assert "sub-id-name" not in without_sub.get_data(as_text=True)
