"""Provisioners for tests, named by ORG_PROVISIONER (also from a worker subprocess's env)."""

from __future__ import annotations

import os
import time

from orgs.models import Org
from orgs.provisioning import (
    DefaultProvisioner,
    ProvisioningError,
    Step,
    create_default_workspace,
    start_subscription,
)


def slow_step(org: Org) -> None:
    """Sleeps ORG_TEST_STEP_SECONDS while holding the org: the worker is killed in here."""
    time.sleep(float(os.environ.get("ORG_TEST_STEP_SECONDS", "30")))


class SlowProvisioner(DefaultProvisioner):
    """The workspace is made (and committed), then a slow step, then the subscription."""

    def provision_steps(self) -> list[Step]:
        return [create_default_workspace, slow_step, start_subscription]


class FlakyProvisioner(DefaultProvisioner):
    """Fails the first `failures` attempts after making the workspace, then works."""

    failures = 1

    def provision_steps(self) -> list[Step]:
        return [create_default_workspace, self.flaky_step, start_subscription]

    def flaky_step(self, org: Org) -> None:
        if FlakyProvisioner.failures > 0:
            FlakyProvisioner.failures -= 1
            raise RuntimeError("secret internal detail: db password is hunter2")


class BrokenProvisioner(DefaultProvisioner):
    """Never works, with a reason the partner may read."""

    def provision_steps(self) -> list[Step]:
        return [create_default_workspace, self.broken_step]

    def deprovision_steps(self) -> list[Step]:
        return [self.broken_step]

    def broken_step(self, org: Org) -> None:
        raise ProvisioningError("The region is out of capacity.")
