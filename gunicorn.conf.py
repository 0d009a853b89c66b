"""gunicorn's configuration: the production server shape (README "Serving").

The Procfile and every test server run it (gunicorn reads ./gunicorn.conf.py by default);
command-line options override it.
"""

import os

from core import redaction

redaction.install()  # the master's own log lines; workers inherit it

wsgi_app = "config.wsgi:application"
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
# gthread, with each request read on the event loop before a thread serves it (core.server).
worker_class = "core.server.BufferingThreadWorker"
threads = int(os.environ.get("WEB_THREADS", "4"))
# A gthread worker beats from its event loop: `timeout` restarts a worker whose loop is stuck, not
# a slow call (calls are bounded by the database timeouts, see config/settings.py).
timeout = 30
graceful_timeout = 30
# Idle kept-alive connections wait in the event loop, not in a thread. Behind a load balancer,
# set WEB_KEEPALIVE above its idle timeout (e.g. 65 for an AWS ALB's 60).
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))
# Requests larger than this are refused by gunicorn itself (414 / 431 / 400, as JSON).
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
logger_class = "core.server.RedactingLogger"
