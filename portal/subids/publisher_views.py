"""The blocked sub IDs section of the network admin's publisher page: its list and form, added to the page through
`publisher_page` (portal.signals), and its block / unblock routes. HTMX gets the section redrawn; a browser without
JS gets the whole page (errors) or a redirect back to it. Rules and audit: portal.subids.blocked."""
from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from portal.forms import apply_errors
from portal.network.models import Publisher
from portal.network.publishers.custom_terms import term_offers
from portal.network.publishers.views import publisher_child, section_done, section_refused
from portal.network.reach import get_or_404, offers_in_reach, publisher_pages, rows_in_reach
from portal.signals import publisher_page
from portal.subids.blocked import block_labels, block_sub_id, search_blocks, unblock
from portal.subids.forms import BlockForm
from portal.subids.models import BlockedSubId
from portal.subids.service import SubIdInvalid

bp = Blueprint("publisher_blocks", __name__, url_prefix="/admin/publishers")
BLOCKS_ON_PAGE = 100


@publisher_page.connect
def _on_publisher_page(publisher: Publisher, *, viewer, redrawn: str | None, state: dict) -> dict:
    """The newest blocks and the form to add one, on the whole page or when this section is redrawn alone."""
    if redrawn not in (None, "blocked"):
        return {}
    blocks = search_blocks(publisher_id=publisher.id, per_page=BLOCKS_ON_PAGE, within=rows_in_reach(viewer, BlockedSubId))
    form = state["block_form"] if "block_form" in state else BlockForm(formdata=None, prefix="new-block")
    form.fill_choices([publisher], term_offers(offers_in_reach(viewer)))
    return dict(blocks=blocks, block_form=form, block_offers=block_labels(blocks.items).offers)


@bp.post("/<int:publisher_id>/blocked")
@publisher_pages
def add(publisher_id: int):
    publisher = get_or_404(Publisher, publisher_id)
    form = BlockForm(prefix="new-block")
    if form.validate():
        try:
            block = block_sub_id(current_user.id, publisher.id, form.offer_id.data, form.sub_id.data, form.description.data,
                                 offers=offers_in_reach(current_user))
        except SubIdInvalid as invalid:
            apply_errors(form, invalid.errors)
        else:
            return section_done(publisher, "blocked", f"Sub ID “{block.sub_id}” is blocked: its clicks on the offer now go to the fallback.")
    return section_refused(publisher_id, "blocked", block_form=form)


@bp.post("/<int:publisher_id>/blocked/<int:block_id>/delete")
@publisher_pages
def delete(publisher_id: int, block_id: int):
    publisher = get_or_404(Publisher, publisher_id)
    block = publisher_child(BlockedSubId, block_id, publisher)
    value = block.sub_id
    unblock(current_user.id, block)
    return section_done(publisher, "blocked", f"Sub ID “{value}” is no longer blocked.")
