from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataSharingConfig(AppConfig):
    name = "datasharing"
    verbose_name = _("Data-sharing agreements")
