"""The benchmark deployment: the product's settings, plus the bench's own views and the peer's app.

Only `bench/run.py`, `bench/scale.py` and `bench/profile_status.py` use it; the product never does.
"""

from __future__ import annotations

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

# The peer: djangorestframework-api-key (the `bench` extra), for its APIKey table and HasAPIKey.
INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework_api_key"]
ROOT_URLCONF = "bench.urls"
