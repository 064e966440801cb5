"""Public traffic endpoints: the click redirect and the impression pixel. Every line here runs for every
visitor, so the routes stay small and touch neither the session nor the sign-in machinery."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, g, redirect, render_template, request
from redis.exceptions import RedisError

from portal.ids import parse_id
from portal.links.click_params import ClickRefused, check_relative_path, check_subs
from portal.ops.errors import database_unavailable
from portal.tracking import service
from portal.tracking.bots import is_bot
from portal.tracking.geo import visitor_country
from portal.tracking.targets import creative_target, link_target

bp = Blueprint("tracking", __name__, url_prefix="/api/v1/track")
log = logging.getLogger("tracklane.tracking")

PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
NO_CACHE = {
    "Cache-Control": "no-cache, no-store, must-revalidate, private, max-age=0",
    "Pragma": "no-cache",
    "Expires": "0",
}


def _visitor_page(template: str, status: int, **context):
    return render_template(template, **context), status, NO_CACHE


def _visit() -> service.ClickRequest:
    header = current_app.config.get("GEO_COUNTRY_HEADER")
    subs, truncated = check_subs(request.args)
    return service.ClickRequest(
        subs=subs,
        subs_truncated=truncated,
        relative_path=check_relative_path(request.args.get("relativepath", "")),
        user_agent=request.headers.get("User-Agent", ""),
        referrer=request.headers.get("Referer", ""),
        ip=request.remote_addr or "",
        country=visitor_country(current_app, request.headers.get(header) if header else None, request.remote_addr or ""),
        purpose=request.headers.get("Sec-Purpose", "") or request.headers.get("Purpose", ""),
    )


@bp.get("/click/<public_id>")
def click(public_id: str):
    try:
        visit = _visit()
    except ClickRefused as refused:
        return _visitor_page("tracking/refused.html", 400, message=str(refused))
    target = link_target(public_id)
    if target is None or not target.live:
        if target is not None and target.fallback_url:
            return redirect(target.fallback_url, 302), NO_CACHE
        return _visitor_page("tracking/not_found.html", 404)
    blocked = service.is_blocked(target, visit.subs)
    click_id = service.record_click(
        current_app._get_current_object(), target, visit, bot=is_bot(visit.user_agent, visit.purpose), blocked=blocked
    )
    if blocked:
        # No conversion may come from a blocked sub ID: the visitor leaves without a click id.
        location = target.fallback_url or service.redirect_url(target.destination, visit.relative_path, None)
    else:
        location = service.redirect_url(target.destination, visit.relative_path, str(click_id))
    response = redirect(location, 302)
    response.headers.update(NO_CACHE)
    return response


@bp.get("/impression/<public_id>")
def impression(public_id: str):
    try:
        _count_impression(public_id)
    except Exception as failed:  # the page showing the pixel must never get a broken image: the GIF goes out anyway
        if isinstance(failed, RedisError) or database_unavailable(failed):
            log.warning("impression not counted, storage unavailable request_id=%s: %s", g.get("request_id"), failed)
        else:
            log.exception("impression not counted request_id=%s", g.get("request_id", "-"))
    return PIXEL, 200, {"Content-Type": "image/gif", "Content-Length": str(len(PIXEL)), **NO_CACHE}


def _count_impression(public_id: str) -> None:
    """A known creative's pixel is always counted: for its link and publisher when `lid` names a live link
    of the creative's offer and `aid` its publisher, else as unattributed. An unknown creative is not."""
    creative = creative_target(public_id)
    if creative is None:
        return
    link = link_target(request.args.get("lid", ""))
    if link is not None and impression_matches(creative, link, request.args.get("aid", "")):
        service.record_impression(current_app._get_current_object(), creative.id, link.id, link.publisher_id)
    else:
        service.record_impression(current_app._get_current_object(), creative.id, None, None)


def impression_matches(creative, link, aid: str) -> bool:
    """Whether a pixel's link and affiliate id may be credited with its creative's view."""
    return link.live and link.offer_id == creative.offer_id and parse_id(aid) == link.publisher_id
