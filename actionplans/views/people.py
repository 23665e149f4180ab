"""Undoing the link between a plan's focal point and an account."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from pim.views import ObjectEditView

from ..forms import FocalPointUnlinkForm
from ..models import FocalPoint


class FocalPointUnlinkView(ObjectEditView):
    """Coordinators see who each focal point was linked to; a wrong link is undone here."""

    model = FocalPoint
    form_class = FocalPointUnlinkForm
    template_name = "actionplans/focalpoint_confirm_unlink.html"

    def get_base_queryset(self):
        return super().get_base_queryset().filter(user__isnull=False).select_related("user", "plan")

    def form_valid(self, form):
        account = self.object.user
        form.save()
        messages.success(
            self.request,
            _(
                "%(name)s is no longer linked to the account %(account)s, and will not be "
                "linked to it again."
            )
            % {"name": self.object.name, "account": f"{account.display_name} ({account.username})"},
        )
        return HttpResponseRedirect(self.object.get_absolute_url())


__all__ = ["FocalPointUnlinkView"]
