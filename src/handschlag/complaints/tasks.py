"""Background work of complaints: the escalation ladder, run by the worker every few minutes."""

import datetime as dt
import logging

from handschlag.complaints.services.escalation import complaint_escalations_run_as_system
from handschlag.core.tasks import periodic

logger = logging.getLogger(__name__)


@periodic(every=dt.timedelta(minutes=5))
def complaint_escalations_task() -> None:
    """Idempotent: a rung that fired has its row, so a second run (or a second worker) fires nothing."""
    result = complaint_escalations_run_as_system()
    if result.fired or result.failed:
        logger.info(
            "complaint escalation: %s overdue, %s fired, failed: %s",
            result.checked,
            result.fired,
            result.failed,
        )
