"""Shared goals: a target for a KPI (core/figures.py) over a period, owned by people of several departments.

The goal stores no measured value: progress is always measured from the data by the KPI."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Goal(models.Model):
    kpi_key = models.CharField(_("figure"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=2)
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("measured for department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("owners"), related_name="owned_goals"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_end", "title", "id"]
        verbose_name = _("shared goal")
        verbose_name_plural = _("shared goals")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="goal_period_ordered"
            ),
            models.CheckConstraint(condition=Q(target__gte=0), name="goal_target_not_negative"),
        ]
        indexes = [models.Index(fields=["kpi_key", "period_start", "period_end"])]

    def __str__(self) -> str:
        return self.title
