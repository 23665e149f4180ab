from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PimConfig(AppConfig):
    name = "pim"
    verbose_name = _("People and organisations")

    def ready(self):
        from . import checks, signals  # noqa: F401  (registers receivers and system checks)
