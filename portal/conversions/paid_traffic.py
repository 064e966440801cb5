"""Conversions paid on traffic itself: CPC per click and CPM per thousand impressions.

Subscribed to the tracker's `clicks_stored` and `impressions_counted` (`portal.signals`), which the flush
sends in its transaction for clicks actually inserted and impression counts actually added, so a
repeated flush pays nothing twice."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from portal.conversions import commission
from portal.conversions.models import Conversion, ConversionStatus
from portal.conversions.pricing import conversion_row
from portal.conversions.service import record_conversions
from portal.conversions.throttles import Throttling, load_throttles
from portal.extensions import db
from portal.links.models import TrackingLink
from portal.network.models import Offer, PayoutType
from portal.network.plans import Plan, choose_plan, custom_payouts_by_publisher
from portal.signals import clicks_stored, impressions_counted
from portal.tracking.models import ImpressionCount
from portal.types import utcnow

IMPRESSIONS_PER_CONVERSION = 1000


def _plans(pairs: set[tuple[int, int]], payout_type: PayoutType) -> dict[tuple[int, int], tuple[Offer, Plan]]:
    """(publisher_id, offer_id) -> (offer, plan) for the pairs whose plan pays `payout_type`."""
    offer_ids = {offer_id for _, offer_id in pairs}
    offers = {o.id: o for o in db.session.scalars(select(Offer).where(Offer.id.in_(offer_ids)))}
    customs = custom_payouts_by_publisher({p for p, _ in pairs}, offer_ids)
    found = {}
    for publisher_id, offer_id in pairs:
        offer = offers.get(offer_id)
        if offer is None:
            continue
        plan = choose_plan(offer, None, customs[publisher_id])
        if plan.payout_type is payout_type:
            found[(publisher_id, offer_id)] = (offer, plan)
    return found


def _paid_clicks(clicks: list[dict]) -> list[dict]:
    return [c for c in clicks if c.get("is_unique") and not c.get("is_bot") and not c.get("is_blocked")]


def cpc_plans(clicks: list[dict]) -> dict[tuple[int, int], tuple[Offer, Plan]]:
    """The CPC plans among the publishers and offers of the clicks that could earn: empty for most networks."""
    paid = _paid_clicks(clicks)
    return _plans({(c["publisher_id"], c["offer_id"]) for c in paid}, PayoutType.CPC) if paid else {}


@clicks_stored.connect
def _on_clicks_stored(sender, *, rows: list[dict]) -> None:
    convert_clicks(rows)


@impressions_counted.connect
def _on_impressions_counted(sender, *, counts: dict[tuple[int, int, int, int], int]) -> None:
    convert_impressions({link_id for _, link_id, _, _ in counts})


def convert_clicks(clicks: list[dict]) -> list[dict]:
    """One CPC conversion per unique, human, unblocked click (rows as just inserted) on a CPC plan."""
    plans = cpc_plans(clicks)
    if not plans:
        return []
    throttling = Throttling(load_throttles({p for p, _ in plans}, {o for _, o in plans}))
    rows = []
    for click in sorted(_paid_clicks(clicks), key=lambda c: str(c["click_id"])):
        pair = (click["publisher_id"], click["offer_id"])
        if pair not in plans:
            continue
        offer, plan = plans[pair]
        row = conversion_row(
            f"click:{click['click_id']}", offer, None, click["publisher_id"], PayoutType.CPC,
            commission.earning(plan, None), offer.currency, ConversionStatus.PENDING, "", click["created_at"],
            click_id=click["click_id"], link_id=click["link_id"],
        )
        throttling.settle(row, None, tuple(click.get(f"sub{n}") or "" for n in range(1, 6)),
                          offer.manually_approve_conversions)
        rows.append(row)
    throttling.apply()
    return record_conversions(rows)


def convert_impressions(link_ids: set[int]) -> list[dict]:
    """CPM conversions for every full thousand impressions of the publishers and offers of these links.

    Counted from the stored totals and keyed by the thousand's number, so running it again, or after a
    concurrent flush, adds exactly the thousands not yet paid."""
    if not link_ids:
        return []
    links = db.session.execute(
        select(TrackingLink.id, TrackingLink.publisher_id, TrackingLink.offer_id).where(TrackingLink.id.in_(link_ids))
    ).all()
    first_link = {}
    for link_id, publisher_id, offer_id in sorted(links):
        first_link.setdefault((publisher_id, offer_id), link_id)
    plans = _plans(set(first_link), PayoutType.CPM)
    if not plans:
        return []
    throttling = Throttling(load_throttles({p for p, _ in plans}, {o for _, o in plans}))
    totals = _impression_totals(set(plans))
    paid = _paid_thousands(set(plans))
    rows, now = [], utcnow()
    for pair, (offer, plan) in sorted(plans.items()):
        publisher_id, offer_id = pair
        for n in range(paid.get(pair, 0) + 1, totals.get(pair, 0) // IMPRESSIONS_PER_CONVERSION + 1):
            row = conversion_row(
                f"cpm:{publisher_id}:{offer_id}:{n}", offer, None, publisher_id, PayoutType.CPM,
                commission.earning(plan, None), offer.currency, ConversionStatus.PENDING, "", now,
                link_id=first_link[pair],
            )
            throttling.settle(row, None, ("",) * 5, offer.manually_approve_conversions)
            rows.append(row)
    throttling.apply()
    return record_conversions(rows)


def _impression_totals(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    totals = defaultdict(int)
    rows = db.session.execute(
        select(ImpressionCount.publisher_id, TrackingLink.offer_id, func.sum(ImpressionCount.count))
        .join(TrackingLink, TrackingLink.id == ImpressionCount.link_id)
        .where(ImpressionCount.publisher_id.in_({p for p, _ in pairs}), TrackingLink.offer_id.in_({o for _, o in pairs}))
        .group_by(ImpressionCount.publisher_id, TrackingLink.offer_id)
    )
    for publisher_id, offer_id, total in rows:
        totals[(publisher_id, offer_id)] = int(total or 0)
    return totals


def _paid_thousands(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    rows = db.session.execute(
        select(Conversion.publisher_id, Conversion.offer_id, func.count())
        .where(
            Conversion.payout_type == PayoutType.CPM,
            Conversion.event_id.is_(None),
            Conversion.publisher_id.in_({p for p, _ in pairs}),
            Conversion.offer_id.in_({o for _, o in pairs}),
        )
        .group_by(Conversion.publisher_id, Conversion.offer_id)
    )
    return {(p, o): n for p, o, n in rows}
