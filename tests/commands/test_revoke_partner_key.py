"""`revoke_partner_key`: one-way, idempotent, all ids checked before anything is revoked."""

from __future__ import annotations

import pytest
from django.core.management import CommandError

from partners.models import PartnerKey
from tests.commands.conftest import run


def test_revoked_keys_are_refused_on_the_next_call(make_key, as_key):
    one, one_plain = make_key(name="one")
    two, two_plain = make_key(name="two")

    out = run("revoke_partner_key", one.pk, two.pk)

    assert out.stdout.strip().endswith("Revoked 2 keys.")
    assert f"{one.pk} {one.hint} one: revoked" in out.stdout
    for key, plaintext in [(one, one_plain), (two, two_plain)]:
        key.refresh_from_db()
        assert key.revoked_by == "cli"
        assert as_key(plaintext).get("/cp/admin/partner-keys").status_code == 401


def test_revoking_again_is_idempotent_and_says_so(make_key):
    one, _ = make_key(name="one")
    two, _ = make_key(name="two")
    run("revoke_partner_key", one.pk)
    first = PartnerKey.objects.get(pk=one.pk).revoked_at

    out = run("revoke_partner_key", one.pk, two.pk, one.pk)

    assert "Revoked 1 key (1 already revoked)." in out.stdout
    assert PartnerKey.objects.get(pk=one.pk).revoked_at == first
    assert PartnerKey.objects.get(pk=two.pk).revoked_at is not None


def test_an_unknown_id_revokes_nothing(make_key, as_key):
    key, plaintext = make_key()

    with pytest.raises(
        CommandError, match=r"Unknown key id\(s\): pak_nope\. Nothing was revoked\."
    ):
        run("revoke_partner_key", key.pk, "pak_nope")

    key.refresh_from_db()
    assert key.revoked_at is None
    assert as_key(plaintext).get("/cp/admin/partner-keys").status_code == 200
