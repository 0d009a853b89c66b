"""The account team's screens for partners and their keys; every write goes through the services.

`partner`: partners, their keys and orgs. `keys`: the key list and a key's page. `key_views`:
issue, rotate, revoke and search. `display`: badges, dates and links shared by them.
"""

from partners.admin import keys, partner  # noqa: F401  (registers the admins)
