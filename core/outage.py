"""A dependency's outage as a long-running process sees it: one ERROR, a backoff, one INFO.

The worker's loop and its sweep thread both report to one `Outage`, so an outage of an hour is two
log lines (when it starts, when it ends), not one traceback per poll.
"""

from __future__ import annotations

import logging
import threading
import time


class Outage:
    """Whether `what` is down; `failed()` gives the next backoff delay (capped exponential)."""

    def __init__(self, what: str, logger: logging.Logger, *, base: float, cap: float) -> None:
        self.what, self.logger, self.base, self.cap = what, logger, base, cap
        self._lock = threading.Lock()
        self._failures = 0
        self._since = 0.0

    def failed(self, error: BaseException) -> float:
        """Note a failed attempt (logged if it is the first); seconds to wait before the next."""
        with self._lock:
            self._failures += 1
            if self._failures == 1:
                self._since = time.monotonic()
                self.logger.error(
                    "%s unavailable (%s: %s); backing off and retrying",
                    self.what,
                    type(error).__name__,
                    str(error).strip(),
                )
            return min(self.cap, self.base * 2 ** (self._failures - 1))

    def recovered(self) -> None:
        """Note a success; ends the outage (logged) if there was one."""
        with self._lock:
            if not self._failures:
                return
            self.logger.info(
                "%s reachable again after %.0f s (%d failed attempts); resuming",
                self.what,
                time.monotonic() - self._since,
                self._failures,
            )
            self._failures = 0
