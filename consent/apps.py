from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Consent forms")
    # What the core's load_demo runs after making the organisations and people.
    demo_loader = "consent.demo.load"
