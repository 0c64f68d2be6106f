"""The registry: AI models, their snapshots and the identifiers eval systems know them by."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from governance.models.frameworks import SafetyLevel
from governance.validators import validate_finite

from ..choices import DeploymentStatus, SnapshotStage


class AIModel(models.Model):
    """A model line the lab trains, e.g. "Frontier X"; its snapshots are what gets evaluated."""

    name = models.CharField(max_length=200, unique=True)
    family = models.CharField(max_length=200, blank=True)
    developer = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # Set only by final ASL determinations; null means "unassessed".
    current_level = models.ForeignKey(
        SafetyLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "governance_aimodel"
        ordering = ["name"]
        verbose_name = "AI model"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("model-detail", args=[self.pk])


class Snapshot(models.Model):
    """One set of weights of a model at a stage of training, with its compute."""

    model = models.ForeignKey(AIModel, on_delete=models.PROTECT, related_name="snapshots")
    name = models.CharField(max_length=200)
    stage = models.CharField(max_length=30, choices=SnapshotStage.choices)
    training_compute_flop = models.FloatField(
        "training compute (FLOP)",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), validate_finite],
        help_text="Training compute in FLOP, e.g. 3e25.",
    )
    effective_compute_flop = models.FloatField(
        "effective compute (FLOP)",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), validate_finite],
        help_text="Effective compute (counting algorithmic progress); training compute if blank.",
    )
    created_on = models.DateField()
    deployment_status = models.CharField(
        max_length=20, choices=DeploymentStatus.choices, default=DeploymentStatus.NOT_DEPLOYED
    )
    comprehensively_assessed_on = models.DateField(
        null=True, blank=True, help_text="When a comprehensive assessment of this snapshot ended."
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "governance_snapshot"
        ordering = ["model_id", "created_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["model", "name"], name="snapshot_name_unique"),
            models.CheckConstraint(
                condition=models.Q(training_compute_flop__gte=0)
                | models.Q(training_compute_flop__isnull=True),
                name="snapshot_training_compute_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(effective_compute_flop__gte=0)
                | models.Q(effective_compute_flop__isnull=True),
                name="snapshot_effective_compute_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model.name} / {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("model-detail", args=[self.model_id])

    @property
    def compute_for_cadence(self) -> float | None:
        """Effective compute where known, else training compute."""
        return (
            self.effective_compute_flop
            if self.effective_compute_flop is not None
            else self.training_compute_flop
        )


class SnapshotIdentifier(models.Model):
    """A name an eval system uses for a snapshot (e.g. "acme/frontier-x-2026-05")."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="identifiers")
    identifier = models.CharField(max_length=300, unique=True)

    class Meta:
        db_table = "governance_snapshotidentifier"
        ordering = ["identifier"]
        constraints = [
            # Eval systems do not agree on case; "Acme/X" and "acme/x" must be one snapshot.
            models.UniqueConstraint(Lower("identifier"), name="snapshot_identifier_iunique")
        ]

    def __str__(self) -> str:
        return self.identifier
