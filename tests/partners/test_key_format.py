"""The mol_pk_ format: every generated key validates; any single changed character fails."""

from hypothesis import given, settings
from hypothesis import strategies as st

from core import tokens as keys


@settings(deadline=None)  # timing on a loaded CI machine is not what this tests
@given(st.data())
def test_every_generated_key_is_well_formed_and_any_single_change_breaks_it(data):
    token = keys.generate()
    assert keys.is_well_formed(token)
    assert len(token) == keys.TOKEN_LENGTH
    position = data.draw(
        st.integers(min_value=len(keys.PARTNER_KEY_PREFIX), max_value=len(token) - 1)
    )
    # A shift through the alphabet, never 0: what is drawn does not depend on the random token
    # (a filter on it would make Hypothesis' replays draw differently).
    shift = data.draw(st.integers(min_value=1, max_value=len(keys.ALPHABET) - 1))
    replacement = keys.ALPHABET[(keys.ALPHABET.index(token[position]) + shift) % len(keys.ALPHABET)]
    changed = token[:position] + replacement + token[position + 1 :]
    assert not keys.is_well_formed(changed)


@settings(deadline=None)
@given(st.text(alphabet=keys.ALPHABET, min_size=49, max_size=49))
def test_a_random_body_without_its_checksum_is_refused(rest):
    token = keys.PARTNER_KEY_PREFIX + rest
    assert keys.is_well_formed(token) == (keys.checksum(token[:-6]) == token[-6:])


def test_workspace_tokens_use_their_own_prefix():
    token = keys.generate(keys.WORKSPACE_TOKEN_PREFIX)
    assert keys.is_well_formed(token, keys.WORKSPACE_TOKEN_PREFIX)
    assert not keys.is_well_formed(token)


def test_the_hint_shows_the_prefix_and_both_ends_only():
    token = keys.generate()
    hint = keys.hint(token)
    assert hint == f"mol_pk_{token[7:11]}…{token[-4:]}"
    assert token[11:-4] not in hint
