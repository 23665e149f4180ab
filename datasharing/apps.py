from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DataSharingConfig(AppConfig):
    name = "datasharing"
    verbose_name = _("Data-sharing agreements")

    def ready(self):
        from .stewards import ensure_group

        post_migrate.connect(ensure_group, sender=self)
