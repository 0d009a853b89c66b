"""A stalled or stopped database, as a partner and as ops see it (issue 15).

gunicorn with the committed config and the default timeouts, on a private PostgreSQL cluster that
the tests pause (SIGSTOP on every process of it) and stop. Before: a stalled database hung each
call ~32 s and closed the connection with no answer; a stopped one answered `500 internal_error`.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.live.server import MASTER_KEY
from tests.outage.conftest import Answer, call, wait_for

SEED = {"name": "outage", "scopes": ["orgs:list"], "org_id": None}
CALLS = 6  # concurrent calls during the outage: they land on several workers and threads


@pytest.fixture
def token(web) -> str:
    issued = call(web.base, "POST", "/cp/admin/partner-keys", MASTER_KEY, SEED)
    assert issued.status == 201, issued.body
    for _ in range(2 * CALLS):  # threads now hold persistent connections, as in production
        assert call(web.base, "GET", "/cp/orgs", issued.body["key"]).status == 200
    return issued.body["key"]


def _during_outage(web, token: str) -> list[Answer]:
    with ThreadPoolExecutor(CALLS) as pool:
        return list(pool.map(lambda _: call(web.base, "GET", "/cp/orgs", token), range(CALLS)))


def _assert_unavailable(answer: Answer) -> None:
    assert answer.status == 503, answer.body
    error = answer.body["error"]
    assert error["code"] == "service_unavailable" and "Retry-After" in error["message"]
    assert answer.headers["Retry-After"] == "5"
    assert error["request_id"] == answer.headers["X-Request-Id"]


def _assert_recovers(web, token: str) -> None:
    wait_for(lambda: call(web.base, "GET", "/cp/orgs", token).status == 200, 15, "a 200")
    answers = [call(web.base, "GET", "/cp/orgs", token) for _ in range(2 * CALLS)]
    assert [a.status for a in answers] == [200] * 2 * CALLS


def _assert_audit_was_logged(web, answers: list[Answer]) -> None:
    """Each 503's audit event could not be written: its facts are in the log instead."""
    log = web.log.read_text()
    for answer in answers:
        request_id = answer.headers["X-Request-Id"]
        assert re.search(
            rf'Audit event not written \(database unavailable\): .*"{request_id}".*"status": 503',
            log,
        ), request_id
        assert f"Database unavailable in GET /cp/orgs ({request_id})" in log


def test_a_stalled_database_answers_503_with_retry_after_within_seconds(
    web, running_postgres, token
):
    running_postgres.pause()
    try:
        answers = _during_outage(web, token)
    finally:
        running_postgres.resume()
    print("stalled database, seconds to 503:", sorted(round(a.seconds, 2) for a in answers))
    for answer in answers:
        _assert_unavailable(answer)
    # The first call on a thread waits for its health check (DB_ANSWER_TIMEOUT, 6 s), then for a
    # new connection (DB_CONNECT_TIMEOUT, 3 s); a thread with no connection waits only for that.
    assert max(a.seconds for a in answers) < 6 + 3 + 2
    _assert_recovers(web, token)
    _assert_audit_was_logged(web, answers)


def test_a_stopped_database_answers_503_at_once_and_calls_recover_when_it_is_back(
    web, running_postgres, token
):
    running_postgres.stop()
    try:
        answers = _during_outage(web, token)
    finally:
        running_postgres.start()
    print("stopped database, seconds to 503:", sorted(round(a.seconds, 2) for a in answers))
    for answer in answers:
        _assert_unavailable(answer)
    assert max(a.seconds for a in answers) < 2
    _assert_recovers(web, token)
    _assert_audit_was_logged(web, answers)
