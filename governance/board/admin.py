"""The board's records in the admin: seats (with the same checks as the services) and the
milestones the board's composition must meet."""

from django import forms
from django.contrib import admin

from governance.audit import audit_record
from governance.board.services.board import (
    director_seat,
    director_seat_change,
    director_seat_validate,
)

from .models import Director, SeatMilestone


@admin.register(SeatMilestone)
class SeatMilestoneAdmin(admin.ModelAdmin):
    list_display = ["description", "due_on", "trust_seats", "majority"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="seat_milestone.changed" if change else "seat_milestone.created",
            target=obj,
            after={
                "description": obj.description,
                "due_on": obj.due_on.isoformat() if obj.due_on else None,
                "trust_seats": obj.trust_seats,
                "majority": obj.majority,
            },
        )

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action="seat_milestone.deleted", target=obj)
        super().delete_model(request, obj)


class DirectorForm(forms.ModelForm):
    class Meta:
        model = Director
        fields = ["user", "seat_type", "term_start", "term_end", "chair"]

    def clean(self):
        data = super().clean()
        seat = self.instance
        director_seat_validate(
            user=data.get("user", seat.user if seat.pk else None),
            seat_type=data.get("seat_type", seat.seat_type),
            term_start=data.get("term_start", seat.term_start),
            term_end=data.get("term_end"),
        )
        return data


@admin.register(Director)
class DirectorAdmin(admin.ModelAdmin):
    """Board seats, recorded through the services so each is audited. A seat is never deleted:
    its term is ended, and the chair moves by ticking it on another seat."""

    form = DirectorForm
    list_display = ["user", "seat_type", "term_start", "term_end", "chair"]
    list_filter = ["seat_type", "chair"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "seat_type", "term_start"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            director_seat_change(
                actor=request.user, director=obj, term_end=obj.term_end, chair=obj.chair
            )
            return
        seat = director_seat(
            actor=request.user,
            user=obj.user,
            seat_type=obj.seat_type,
            term_start=obj.term_start,
            term_end=obj.term_end,
            chair=obj.chair,
        )
        obj.pk = seat.pk
