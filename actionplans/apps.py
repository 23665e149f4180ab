from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionPlansConfig(AppConfig):
    name = "actionplans"
    verbose_name = _("Action plans")
    # What the core's load_demo runs after making the organisations and people.
    demo_loader = "actionplans.demo.load"
    # What `make bench` times for this app (see pim/bench.py).
    bench_module = "actionplans.bench_pages"

    def ready(self):
        from pim.models import register_people_rule

        from . import signals  # noqa: F401  (keeps role groups in step with the plan's people)
        from .models import people_in_my_plans

        register_people_rule(people_in_my_plans)
