from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from evals.models import EvalSuite
from evals.services import eval_system_create
from governance.audit import SYSTEM
from governance.registry.models import AIModel


class Command(BaseCommand):
    help = "Create an eval system (a machine client) and print its token, once."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--description", default="")
        parser.add_argument("--all-models", action="store_true", help="May post for every model.")
        parser.add_argument("--all-suites", action="store_true", help="May post for every suite.")
        parser.add_argument("--model", action="append", default=[], help="Model name (repeatable).")
        parser.add_argument("--suite", action="append", default=[], help="Suite name (repeatable).")

    def handle(self, *args, name, description, all_models, all_suites, model, suite, **options):
        models = list(AIModel.objects.filter(name__in=model))
        suites = list(EvalSuite.objects.filter(name__in=suite))
        missing = sorted(set(model) - {m.name for m in models}) + sorted(
            set(suite) - {s.name for s in suites}
        )
        if missing:
            raise CommandError(f"Unknown model or suite: {', '.join(missing)}")
        try:
            system, token = eval_system_create(
                actor=SYSTEM,
                name=name,
                description=description,
                all_models=all_models,
                all_suites=all_suites,
                allowed_models=models,
                allowed_suites=suites,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"Eval system {system.name} created. Its token (shown only now):")
        self.stdout.write(token)
