"""`seed-demo` leaves each demo publisher a saved report whose token URL works, and the run banner's curl line."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.demo.catalogue import DEMO_LOGINS
from portal.demo.reports import PRESET_NAME, demo_pull_command
from portal.extensions import db
from portal.reports.models import ReportPreset, ReportRollup
from portal.reports.presets import token_for
from tests.conftest import signed_in_client


def test_seed_demo_saves_a_pullable_preset_per_publisher(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "CREATIVES_DIR", str(tmp_path / "creatives"))
    result = app.test_cli_runner().invoke(args=["seed-demo", "--days", "1"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    db.session.expire_all()
    emails = [email for role, email, _ in DEMO_LOGINS if role == "publisher"]
    users = db.session.scalars(select(User).where(User.email.in_(emails))).all()
    presets = db.session.scalars(select(ReportPreset).where(ReportPreset.name == PRESET_NAME)).all()
    assert sorted(p.owner_id for p in presets) == sorted(u.id for u in users)
    assert db.session.scalar(select(func.count()).select_from(ReportRollup)) > 0

    user = next(u for u in users if u.email == emails[0])
    preset = next(p for p in presets if p.owner_id == user.id)
    page = signed_in_client(app, user).get("/reports").get_data(as_text=True)
    assert f"/api/v1/reports/{token_for(preset)}" in page
    pulled = app.test_client().get(f"/api/v1/reports/{token_for(preset)}?format=json")
    assert pulled.status_code == 200 and pulled.get_json()["totals"]["click_count"] > 0

    line = demo_pull_command("http://127.0.0.1:5000")
    assert line == f"curl 'http://127.0.0.1:5000/api/v1/reports/{token_for(preset)}?format=json'"
