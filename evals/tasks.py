"""Celery tasks of the evals app. Each takes ids and calls one service."""

from celery import shared_task

from governance.registry.models import AIModel

from .services import forecast_review, forecast_sweep, ingestion_process, ingestions_requeue_stuck


@shared_task(name="evals.tasks.ingestion_process", acks_late=True, reject_on_worker_lost=True)
def ingestion_process_task(ingestion_id: str) -> str | None:
    ingestion = ingestion_process(ingestion_id=ingestion_id)
    return ingestion.status if ingestion else None


@shared_task(name="evals.tasks.ingestions_sweep")
def ingestions_sweep_task() -> int:
    return len(ingestions_requeue_stuck())


@shared_task(name="evals.tasks.forecast_sweep")
def forecast_sweep_task() -> int:
    return forecast_sweep()


@shared_task(name="evals.tasks.forecast_review")
def forecast_review_task(model_id: int) -> int:
    model = AIModel.objects.filter(pk=model_id).first()
    return len(forecast_review(model)) if model is not None else 0
