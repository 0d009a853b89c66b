"""The data every bench run calls with: a partner, its real key, a ready org, the peer's key.

The bulk of the rows comes from `bench.seed` (COPY); the keys the bench calls with are issued the
product's way (`partner_key_issue`), because only then does a plaintext exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench import seed

PARTNER_SLUG = "bench"


@dataclass(frozen=True)
class Fixture:
    token: str  # a partner key with orgs:create and orgs:list
    key_id: str
    partner_id: str
    org_id: str  # a ready org of the partner (the status target)
    peer_key: str  # a djangorestframework-api-key key
    orgs: int  # orgs of the partner
    seeded: seed.SeedReport


def fixture_create(*, orgs: int, keys: int, partners: int, share: float) -> Fixture:
    """Seed `orgs` orgs and `keys` keys, then issue the keys the bench calls with."""
    from rest_framework_api_key.models import APIKey

    from orgs.models import Org
    from partners import services
    from partners.models import Partner

    seeded = seed.seed(orgs=orgs, keys=keys, partner=PARTNER_SLUG, partners=partners, share=share)
    partner = Partner.objects.get(slug=PARTNER_SLUG)
    org = Org.objects.filter(partner=partner, status=Org.Status.READY).first()
    if org is None:
        raise SystemExit("the seed made no ready org for the bench partner: seed more orgs")
    issued = services.partner_key_issue(
        name="bench", scopes=["orgs:create", "orgs:list"], partner=partner
    )
    return Fixture(
        token=issued.plaintext,
        key_id=issued.key.pk,
        partner_id=partner.pk,
        org_id=org.pk,
        peer_key=APIKey.objects.create_key(name="bench-peer")[1],
        orgs=Org.objects.filter(partner=partner).count(),
        seeded=seeded,
    )
