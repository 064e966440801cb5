"""Events announce what they stored and conversions subscribe: the arrow points from conversions to events."""
from __future__ import annotations

import subprocess
import sys

from portal import create_app
from portal.signals import events_accepted
from tests.test_side_effects import imported_modules


def test_events_do_not_import_the_conversions_their_events_earn():
    assert [m for m in imported_modules("events") if m[1].startswith("portal.conversions")] == []


def test_importing_the_conversions_package_alone_subscribes_the_event_engine():
    """What the app, the jobs, the demo and the CLI all do (through `create_app`'s domain imports)."""
    code = "import portal.conversions; from portal.signals import events_accepted; print(len(events_accepted.receivers))"
    answer = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert answer.stdout.strip() == "1"


def test_one_event_engine_subscription_however_many_apps_a_process_builds(app):
    create_app(dict(app.config))
    assert len(events_accepted.receivers) == 1
