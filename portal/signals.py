"""What a lower layer announces after its writes, or asks of the domains above it (a page others add to, the
readiness answer); the interested domain subscribes.

Receivers run synchronously in the sender's thread and database transaction (blinker, which Flask
ships), so whatever they write commits or rolls back with the writes that caused it."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Raw rows at these times changed (`times`: a list of datetimes, None meaning now). Reports subscribes:
# the rollups of those hours refresh.
hours_touched = _signals.signal("hours-touched")

# Clicks were stored (`rows`: exactly the rows inserted now, never ones a retried flush had stored
# already). Conversions subscribes: CPC clicks earn.
clicks_stored = _signals.signal("clicks-stored")

# Impressions were added to the hourly counters (`counts`: (creative_id, link_id, publisher_id,
# hour_epoch) -> n, only counts actually added). Conversions subscribes: CPM thousands earn.
impressions_counted = _signals.signal("impressions-counted")

# Events were stored (`advertiser_id`; `events`: a `portal.events.models.AcceptedEvent` for exactly each event
# inserted now, never a repeat nor one whose key another request stored first). Conversions subscribes: they earn.
events_accepted = _signals.signal("events-accepted")

# The network admin's publisher page is drawn (sender: the publisher; `viewer`: the staff user; `redrawn`: the one
# section an HTMX request redraws, None when the whole page is drawn; `state`: that request's forms and messages).
# Each receiver returns the template context of its own sections (subids: the blocked sub IDs; dashboard: the
# traffic summary), or {} when the part drawn has none of them; the page shows a section when its context is there.
publisher_page = _signals.signal("publisher-page")

# /readyz asks for informational sections while the portal is ready or degraded (never readiness checks: they cannot
# fail it). Each receiver returns (name, status dict), one top-level key of the answer. Reports adds `report_rollups`.
readiness_details = _signals.signal("readiness-details")
