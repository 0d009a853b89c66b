"""Delivery by the worker (`manage.py worker --batch`) to a real receiver on 127.0.0.1."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.webhooks.conftest import ORG
from tests.webhooks.receiver import receiving
from webhooks import delivery
from webhooks.models import Delivery, DeliveryAttempt, Event, WebhookEndpoint
from webhooks.outbox import event_record
from webhooks.tasks import deliver_webhook

pytestmark = pytest.mark.django_db(transaction=True)


def create_org(api, **extra) -> str:
    response = api.post("/cp/orgs", {**ORG, **extra})
    assert response.status_code == 201
    return response.json()["id"]


def test_a_ready_org_is_pushed_as_org_ready_signed_with_its_login_url(
    api, receiver, make_endpoint, worker
):
    endpoint = make_endpoint(receiver.url)
    org_id = create_org(api)
    worker()
    (sent,) = receiver.wait_for(1)
    body = sent.verify(endpoint["secret"])
    assert body["type"] == "org.ready"
    assert body["data"]["id"] == org_id and body["data"]["status"] == "ready"
    assert body["data"]["login_url"] == "https://app.moleculesai.app/login?org=acme-corp"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["webhook-id"].startswith("msg_")
    assert sent.headers["host"] == receiver.url.split("/")[2]
    event = Event.objects.get(pk=sent.headers["webhook-id"])
    assert event.type == "org.ready" and event.body == sent.body.decode()
    item = Delivery.objects.get(event=event)
    assert (item.status, item.attempts, item.last_status_code) == ("succeeded", 1, 200)
    assert item.delivered_at is not None and item.lease_expires_at is None


def test_a_receiver_failing_twice_gets_three_attempts_with_one_webhook_id(
    api, receiver, make_endpoint, worker
):
    endpoint = make_endpoint(receiver.url)
    receiver.script = [500, 500]
    create_org(api)
    worker()
    sent = receiver.wait_for(3)
    assert len(sent) == 3
    assert len({r.headers["webhook-id"] for r in sent}) == 1
    for attempt in sent:
        assert attempt.verify(endpoint["secret"])["type"] == "org.ready"
    item = Delivery.objects.get()
    assert (item.status, item.attempts) == ("succeeded", 3)
    log = list(DeliveryAttempt.objects.filter(delivery=item).values_list("number", "status_code"))
    assert log == [(1, 500), (2, 500), (3, 200)]
    assert WebhookEndpoint.objects.get().failing_since is None


def test_a_receiver_that_keeps_failing_gets_the_whole_schedule_then_the_delivery_fails(
    api, receiver, make_endpoint, worker
):
    make_endpoint(receiver.url)
    receiver.then = 503
    create_org(api)
    worker()
    assert len(receiver.wait_for(3)) == 3
    item = Delivery.objects.get()
    assert (item.status, item.attempts, item.last_status_code) == ("failed", 3, 503)
    assert item.last_error == "The receiver answered HTTP 503."
    assert item.next_attempt_at is None and item.lease_expires_at is None
    assert WebhookEndpoint.objects.get().failing_since is not None


def test_the_retries_follow_the_schedule(api, receiver, make_endpoint, worker, settings):
    settings.CP_WEBHOOK_RETRY_SCHEDULE = "0,300,1800"
    make_endpoint(receiver.url)
    receiver.then = 500
    create_org(api)
    before = timezone.now()
    worker()
    assert len(receiver.wait_for(1)) == 1
    item = Delivery.objects.get()
    assert (item.status, item.attempts) == ("pending", 1)
    assert (
        before + timedelta(seconds=299)
        < item.next_attempt_at
        < timezone.now() + timedelta(seconds=301)
    )
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after == item.next_attempt_at


def test_a_private_address_is_refused_at_send_time_when_the_guard_is_on(
    api, receiver, make_endpoint, worker, settings
):
    make_endpoint(receiver.url)  # saved while private networks were allowed
    settings.CP_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    create_org(api)
    worker()
    assert receiver.arrived == []
    item = Delivery.objects.get()
    assert item.status == "failed" and item.last_status_code is None
    assert item.last_error.startswith("Refused by the address guard: 127.0.0.1 is a private")


def test_a_redirect_is_not_followed(api, make_endpoint, worker):
    with receiving() as target, receiving(then=307) as redirector:
        redirector.headers = {"Location": target.url}
        make_endpoint(redirector.url)
        create_org(api)
        worker()
        assert len(redirector.wait_for(3)) == 3
        assert target.arrived == []
    assert Delivery.objects.get().last_error == "The receiver answered HTTP 307."


def test_a_receiver_that_does_not_answer_in_time_is_a_timeout(api, make_endpoint, worker, settings):
    import threading

    settings.CP_WEBHOOK_TIMEOUT_SECONDS = 0.3
    settings.CP_WEBHOOK_RETRY_SCHEDULE = "0"
    with receiving(hold=threading.Event()) as slow:
        make_endpoint(slow.url)
        create_org(api)
        worker()
        slow.wait_arrived(1)
    item = Delivery.objects.get()
    assert (item.status, item.last_error) == ("failed", "Timed out after 0.3 s.")
    attempt = DeliveryAttempt.objects.get()
    assert 250 <= attempt.duration_ms < 3000


def test_during_the_overlap_a_rotated_secret_signs_beside_the_new_one(
    api, receiver, make_endpoint, worker
):
    endpoint = make_endpoint(receiver.url)
    rotated = api.post(f"/cp/webhook-endpoints/{endpoint['id']}/rotate-secret").json()
    create_org(api)
    worker()
    (sent,) = receiver.wait_for(1)
    assert len(sent.headers["webhook-signature"].split(" ")) == 2
    sent.verify(endpoint["secret"])
    sent.verify(rotated["secret"])

    WebhookEndpoint.objects.update(previous_secret_expires_at=timezone.now())
    api.delete(f"/cp/orgs/{Event.objects.get().data['id']}")
    worker()
    later = receiver.wait_for(2)[1]
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    later.verify(rotated["secret"])
    with pytest.raises(Exception, match="signature"):
        later.verify(endpoint["secret"])


def test_an_endpoint_failing_for_three_days_is_disabled_and_says_why(
    api, receiver, make_endpoint, worker
):
    endpoint = make_endpoint(receiver.url)
    receiver.then = 500
    WebhookEndpoint.objects.update(failing_since=timezone.now() - timedelta(days=3, seconds=1))
    create_org(api)
    worker()
    assert len(receiver.wait_for(1)) == 1  # disabled after this failure: no retries
    shown = api.get(f"/cp/webhook-endpoints/{endpoint['id']}").json()
    assert shown["enabled"] is False and shown["disabled_at"] is not None
    assert shown["disabled_reason"] == (
        "Every delivery failed for 3 days; the last: The receiver answered HTTP 500."
    )
    assert Delivery.objects.get().status == "canceled"
    # Disabled: the next event is recorded but not sent to it.
    create_org(api, slug="acme-two")
    worker()
    assert Event.objects.count() == 2 and Delivery.objects.count() == 1
    assert len(receiver.requests) == 1


def test_a_success_ends_the_failing_streak(api, receiver, make_endpoint, worker):
    make_endpoint(receiver.url)
    WebhookEndpoint.objects.update(failing_since=timezone.now() - timedelta(days=2))
    create_org(api)
    worker()
    receiver.wait_for(1)
    assert WebhookEndpoint.objects.get().failing_since is None


def record_event(partner, **data) -> Event:
    """An `org.updated` recorded as an emitter would, committed, its task queued."""
    with transaction.atomic():
        return event_record(
            type="org.updated",
            partner_id=partner.pk,
            key_family_id=None,
            data={"id": "org_x", **data},
        )


def test_an_attempt_whose_worker_died_is_sent_again_by_the_sweep_with_the_same_id(
    partner, receiver, make_endpoint, worker
):
    make_endpoint(receiver.url)
    event = record_event(partner)
    item = Delivery.objects.get()
    # A worker claimed the attempt and died mid-POST: no attempt recorded, its task is gone.
    assert delivery.claim(delivery_id=item.pk, attempt=0) is not None
    DBTaskResult.objects.all().delete()
    worker()
    assert receiver.arrived == []  # its lease still holds
    Delivery.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))

    worker()
    (sent,) = receiver.wait_for(1)
    assert sent.headers["webhook-id"] == event.pk
    item.refresh_from_db()
    assert (item.status, item.attempts) == ("succeeded", 2)
    log = list(DeliveryAttempt.objects.values_list("number", "status_code", "error"))
    assert log == [(1, None, delivery.WORKER_STOPPED), (2, 200, "")]


def test_a_delivery_whose_enqueue_was_lost_is_queued_by_the_sweep(
    partner, receiver, make_endpoint, worker
):
    make_endpoint(receiver.url)
    event = record_event(partner)
    DBTaskResult.objects.all().delete()  # the process died between COMMIT and the enqueue
    worker()
    assert receiver.arrived == [] and Delivery.objects.get().status == "pending"
    Delivery.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    worker()
    (sent,) = receiver.wait_for(1)
    assert sent.headers["webhook-id"] == event.pk
    assert Delivery.objects.get().status == "succeeded"


@pytest.mark.parametrize(
    "lost_attempt, status, sent",
    [(3, "succeeded", 1), (4, "failed", 0)],
    ids=["last-of-the-schedule-gets-a-spare", "the-spare-lost-too-gives-up"],
)
def test_a_lost_last_attempt_gets_one_spare_attempt_and_no_more(
    partner, receiver, make_endpoint, worker, lost_attempt, status, sent
):
    make_endpoint(receiver.url)
    record_event(partner)
    DBTaskResult.objects.all().delete()
    Delivery.objects.update(
        attempts=lost_attempt, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    worker()  # the schedule has 3 attempts
    item = Delivery.objects.get()
    assert item.status == status
    assert len(receiver.requests) == sent
    if status == "failed":
        assert item.last_error == delivery.WORKER_STOPPED_LAST


def test_duplicate_tasks_for_one_attempt_send_it_once(api, receiver, make_endpoint, worker):
    make_endpoint(receiver.url)
    create_org(api)
    worker()
    receiver.wait_for(1)
    item = Delivery.objects.get()
    deliver_webhook.enqueue(item.pk, 0)
    deliver_webhook.enqueue(item.pk, 0)
    worker()
    assert len(receiver.requests) == 1
    results = sorted(
        r.return_value for r in DBTaskResult.objects.filter(task_path__endswith="deliver_webhook")
    )
    assert results == ["delivered", "skipped", "skipped"]
