"""Background work of co-selling: leads nobody decided expire, deal registrations expire or are flagged as
expiring soon. Thin: the services do the work, each change under a conditional UPDATE with one winner, so a second
run or a second worker changes nothing (tests/coselling/test_expiry.py)."""

import datetime as dt
import logging

from handschlag.core.tasks import periodic
from handschlag.coselling.services.leads import leads_expire_as_system
from handschlag.coselling.services.registrations import registrations_sweep_as_system

logger = logging.getLogger(__name__)


@periodic(every=dt.timedelta(minutes=5))
def leads_expire_task() -> None:
    result = leads_expire_as_system()
    if result.expired or result.failed:
        logger.info("leads: %s expired, failed: %s", len(result.expired), result.failed)


@periodic(every=dt.timedelta(minutes=30))
def registrations_sweep_task() -> None:
    result = registrations_sweep_as_system()
    if result.expired or result.warned or result.failed:
        logger.info(
            "deal registrations: %s expired, %s warned, failed: %s",
            len(result.expired),
            len(result.warned),
            result.failed,
        )
