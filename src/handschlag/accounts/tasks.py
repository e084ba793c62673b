from handschlag.accounts.import_services import import_run_execute
from handschlag.accounts.models import ImportRun
from handschlag.core.tasks import task


@task
def import_run_execute_task(*, import_run_id: int) -> None:
    run = ImportRun.objects.filter(pk=import_run_id).first()
    if run is not None:
        import_run_execute(run=run)
