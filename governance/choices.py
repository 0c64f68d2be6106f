"""Enumerations shared across the project."""

from django.db import models


class Role(models.TextChoices):
    """The roles of the policy. Each is a Django auth group of the same name."""

    SAFETY_STAFF = "safety_staff", "Safety staff"
    INTERNAL_REVIEWER = "internal_reviewer", "Internal reviewer"
    RSO = "rso", "Responsible Scaling Officer"
    CEO = "ceo", "CEO"
    BOARD_DIRECTOR = "board_director", "Board director"
    TRUSTEE = "trustee", "Trustee"
    AUDITOR = "auditor", "Auditor"


class ActorType(models.TextChoices):
    USER = "user", "User"
    MACHINE = "machine", "Machine client"
    SYSTEM = "system", "System"
