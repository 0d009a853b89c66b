"""Test settings: the real settings, with test defaults for what production must set."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("CP_ADMIN_MASTER_KEY", "test-master-key-0123456789abcdef0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# Webhook receivers in tests listen on http://127.0.0.1; the guard's own tests switch it back on.
os.environ.setdefault("CP_WEBHOOK_ALLOW_HTTP", "true")
os.environ.setdefault("CP_WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
