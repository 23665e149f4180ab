from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DataSharingConfig(AppConfig):
    name = "datasharing"
    verbose_name = _("Data-sharing agreements")
    # What the core's load_demo runs after making the organisations and people.
    demo_loader = "datasharing.demo.load"

    def ready(self):
        from pim.models import register_people_rule

        from .models import stewards_see_everyone
        from .stewards import ensure_group

        post_migrate.connect(ensure_group, sender=self)
        register_people_rule(stewards_see_everyone)
