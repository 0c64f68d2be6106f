"""The demo's models and snapshots (`manage.py seed_demo`), seeded once."""

import datetime as dt

from governance.audit import SYSTEM
from governance.choices import DeploymentStatus, SnapshotStage

from .models import AIModel
from .services import ai_model_create, snapshot_create

SAMPLE_MODELS = [
    {
        "name": "Frontier X",
        "family": "Frontier",
        "developer": "Acme AI",
        "description": "The lab's next frontier model, in training.",
        "snapshots": [
            {
                "name": "fx-pt-ckpt-40",
                "stage": SnapshotStage.PRETRAINING_CHECKPOINT,
                "training_compute_flop": 1.0e25,
                "created_on": dt.date(2026, 2, 1),
                "comprehensively_assessed_on": dt.date(2026, 3, 2),
                "external_ids": ["acme/frontier-x-ckpt40"],
            },
            {
                "name": "fx-2026-05",
                "stage": SnapshotStage.POST_TRAINED,
                "training_compute_flop": 1.2e25,
                "created_on": dt.date(2026, 5, 4),
                "external_ids": ["acme/frontier-x-2026-05"],
            },
            {
                "name": "fx-2026-05-helpful-only",
                "stage": SnapshotStage.HELPFUL_ONLY,
                "training_compute_flop": 1.2e25,
                "created_on": dt.date(2026, 5, 4),
                "external_ids": ["acme/frontier-x-2026-05-helpful-only"],
            },
            {
                "name": "fx-pt-ckpt-80",
                "stage": SnapshotStage.PRETRAINING_CHECKPOINT,
                "training_compute_flop": 4.5e25,
                "created_on": dt.date(2026, 9, 14),
                "external_ids": ["acme/frontier-x-ckpt80"],
            },
        ],
    },
    {
        "name": "Helper S",
        "family": "Helper",
        "developer": "Acme AI",
        "description": "A small deployed assistant model.",
        "snapshots": [
            {
                "name": "hs-1.0",
                "stage": SnapshotStage.DEPLOYED,
                "training_compute_flop": 3e23,
                "created_on": dt.date(2025, 11, 3),
                "deployment_status": DeploymentStatus.GENERAL,
                "external_ids": ["mockllm/model", "acme/helper-s-1.0"],
            }
        ],
    },
]


def seed_models() -> list[str]:
    for sample in SAMPLE_MODELS:
        if AIModel.objects.filter(name=sample["name"]).exists():
            continue
        fields = {key: value for key, value in sample.items() if key != "snapshots"}
        model = ai_model_create(actor=SYSTEM, **fields)
        for snapshot in sample["snapshots"]:
            snapshot_create(actor=SYSTEM, model=model, **snapshot)
    return []
