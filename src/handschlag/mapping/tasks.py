from handschlag.core.tasks import task
from handschlag.mapping.models import MappingRun
from handschlag.mapping.services import mapping_run_execute, mapping_run_mark_failed


def mapping_run_failed(reason: str, *, mapping_run_id: int) -> None:
    mapping_run_mark_failed(run_id=mapping_run_id, reason=reason)


@task(on_failure=mapping_run_failed)
def mapping_run_execute_task(*, mapping_run_id: int) -> None:
    run = MappingRun.objects.select_related("agreement").filter(pk=mapping_run_id).first()
    if run is not None:
        mapping_run_execute(run=run)
