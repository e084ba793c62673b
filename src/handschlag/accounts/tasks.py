from handschlag.accounts.import_services import import_run_execute, import_run_mark_failed
from handschlag.accounts.models import ImportRun
from handschlag.core.tasks import task


def import_run_failed(reason: str, *, import_run_id: int) -> None:
    import_run_mark_failed(run_id=import_run_id, reason=reason)


@task(on_failure=import_run_failed)
def import_run_execute_task(*, import_run_id: int) -> None:
    run = ImportRun.objects.filter(pk=import_run_id).first()
    if run is not None:
        import_run_execute(run=run)
