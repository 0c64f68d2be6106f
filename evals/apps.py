from django.apps import AppConfig


class EvalsConfig(AppConfig):
    name = "evals"
    verbose_name = "Evaluations"

    def ready(self) -> None:
        from governance import demo, evidence, navigation, panels
        from governance.permissions import can_read

        from . import demo as evals_demo
        from . import rules as evals_rules  # noqa: F401 - registers the "evals.*" rules
        from . import schema, selectors, tasks  # noqa: F401 - schema registers the token scheme
        from .standing import standings_for_models
        from .trajectory import standing_panel, trajectories_for_models
        from .views import EVAL_ADMINS

        navigation.register(
            navigation.NavItem(
                "Eval runs", "evals:run-list", order=20, group=navigation.MODELS_AND_EVALS
            )
        )
        navigation.register(
            navigation.NavItem(
                "Ingestions",
                "evals:ingestion-list",
                order=30,
                group=navigation.MODELS_AND_EVALS,
            )
        )
        navigation.register(
            navigation.NavItem(
                "Suites", "evals:suite-list", order=40, group=navigation.MODELS_AND_EVALS
            )
        )
        navigation.register(
            navigation.NavItem(
                "Eval systems",
                "evals:system-list",
                order=50,
                visible_to=lambda user: can_read(user, EVAL_ADMINS),
                group=navigation.MODELS_AND_EVALS,
            )
        )
        panels.register_model_panel(
            panels.ModelPanel(
                template="evals/model_panel.html",
                context=standing_panel,
                order=10,
            )
        )
        demo.register_seeder(evals_demo.seed, order=10)
        evidence.register(
            evidence.EvidenceSource(
                worst_outcome=selectors.worst_threshold_outcome,
                describe=selectors.describe_evidence,
                elicitation=selectors.evidence_elicitation,
                standings=standings_for_models,
                trajectories=trajectories_for_models,
                compute_changed=lambda model_id: tasks.forecast_review_task.delay(model_id),
            )
        )
