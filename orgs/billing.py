"""Who is billable in a period: the rule behind `manage.py billing_report`.

An org is billable in a window [since, until) when its subscription was running at some moment of
it: started before `until`, not canceled by `since` (billing stops at the DELETE, so an org
deleted before the window is out, and one deleted during it is billed for the part before), and
it is not a sandbox org. Each row says which part of the window it covers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import F, Q, QuerySet

from orgs.models import Subscription
from partners.models import Partner

COLUMNS = (
    "partner",
    "org_id",
    "slug",
    "external_id",
    "plan",
    "seats",
    "channel",
    "status",
    "billable_from",
    "billable_until",
    "billable_days",
)


@dataclass(frozen=True)
class BillableOrg:
    """One org's line of the report: what it is billed on, and for which part of the window."""

    partner: str
    org_id: str
    slug: str
    external_id: str
    plan: str
    seats: int
    channel: str
    status: str
    billable_from: datetime
    billable_until: datetime

    @property
    def billable_days(self) -> str:
        return f"{(self.billable_until - self.billable_from).total_seconds() / 86400:.2f}"

    def row(self) -> list[object]:
        return [getattr(self, column) for column in COLUMNS]


def month_start(moment: datetime) -> datetime:
    """The first instant (UTC) of the month `moment` falls in."""
    return moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month(moment: datetime) -> datetime:
    """The first instant (UTC) of the month after `moment`'s."""
    first = month_start(moment)
    if first.month == 12:
        return first.replace(year=first.year + 1, month=1)
    return first.replace(month=first.month + 1)


def billable_subscriptions(
    *, since: datetime, until: datetime, partner: Partner | None = None
) -> QuerySet[Subscription]:
    """Subscriptions running at some moment of [since, until), sandbox orgs left out."""
    subscriptions = (
        Subscription.objects.select_related("org__partner")
        .filter(org__sandbox=False, started_at__lt=until)
        .exclude(status=Subscription.Status.SANDBOX)
        .filter(Q(canceled_at__isnull=True) | Q(canceled_at__gt=since))
    )
    if partner is not None:
        subscriptions = subscriptions.filter(org__partner=partner)
    return subscriptions.order_by(F("org__partner__slug").asc(nulls_first=True), "org_id")


def billable_orgs(
    *, since: datetime, until: datetime, partner: Partner | None = None
) -> Iterator[BillableOrg]:
    subscriptions = billable_subscriptions(since=since, until=until, partner=partner)
    for subscription in subscriptions.iterator(chunk_size=1000):
        org = subscription.org
        ended = subscription.canceled_at
        yield BillableOrg(
            partner=org.partner.slug if org.partner else "",
            org_id=org.pk,
            slug=org.slug,
            external_id=org.external_id,
            plan=subscription.plan,
            seats=subscription.seats,
            channel=org.billing_channel,
            status=subscription.status,
            billable_from=max(subscription.started_at, since),
            billable_until=min(ended, until) if ended else until,
        )
