"""Traffic of two publishers on two advertisers' offers, and helpers that run export jobs on a real worker."""
from __future__ import annotations

import csv
import io
import shutil
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from rq import SimpleWorker

from portal.exports.models import Export
from portal.exports.service import artifact_path, export_folder
from portal.extensions import db
from portal.queues import get_queue, redis_connection
from portal.tracking.models import ImpressionCount
from tests.factories import (
    ClickFactory,
    ConversionFactory,
    CreativeFactory,
    OfferFactory,
    TrackingLinkFactory,
    UserFactory,
)


@dataclass
class Traffic:
    alice: object  # publisher user
    bob: object  # publisher user, another publisher
    advertiser: object  # advertiser user owning offer_a
    admin: object
    link_a: object  # alice's link on offer_a
    link_b: object  # bob's link on offer_b (another advertiser)


@pytest.fixture(autouse=True)
def empty_export_folder(app):
    yield
    shutil.rmtree(export_folder(), ignore_errors=True)


@pytest.fixture
def traffic(app) -> Traffic:
    alice, bob = UserFactory(is_publisher=True), UserFactory(is_publisher=True)
    advertiser = UserFactory(is_advertiser=True)
    offer_a = OfferFactory(advertiser=advertiser.advertiser, name="Offer A")
    offer_b = OfferFactory(name="Offer B")
    link_a = TrackingLinkFactory(publisher=alice.publisher, offer=offer_a, name="Alice link")
    link_b = TrackingLinkFactory(publisher=bob.publisher, offer=offer_b, name="Bob link")
    at = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    ClickFactory(link=link_a, created_at=at, sub1="=HYPERLINK(\"http://evil.example\")", sub2="<script>alert(1)</script>", country="DE")
    ClickFactory(link=link_a, created_at=at.replace(day=11), sub1="@SUM(A1)", sub3="+1", sub4="-2", sub5="\tx", is_unique=False)
    ClickFactory(link=link_b, created_at=at, sub1="bob-only", is_bot=True)
    ConversionFactory(link=link_a, created_at=at)
    ConversionFactory(link=link_b, created_at=at)
    creative = CreativeFactory(offer=offer_a, name="Banner A")
    db.session.add(ImpressionCount(creative_id=creative.id, link_id=link_a.id, publisher_id=alice.publisher_id, hour=at, count=7))
    db.session.commit()
    return Traffic(alice, bob, advertiser, UserFactory(), link_a, link_b)


def work_exports() -> None:
    """Run every queued export job on a real RQ worker (in this process) against the test's Redis."""
    SimpleWorker([get_queue("exports")], connection=redis_connection()).work(burst=True)
    db.session.expire_all()


def csv_rows(export: Export) -> list[list[str]]:
    with zipfile.ZipFile(artifact_path(export)) as archive:
        [name] = archive.namelist()
        return list(csv.reader(io.TextIOWrapper(archive.open(name), encoding="utf-8", newline="")))
