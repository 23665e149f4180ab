from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pim import demo


class Command(BaseCommand):
    help = "Load the demo organisations and people (idempotent) and print their logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load even when DEBUG is off (demo accounts have a published password).",
        )

    def handle(self, *args, allow_production=False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "Refusing to load demo accounts with a published password while DEBUG is off."
            )
        logins = demo.load()
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Sign in at " + settings.SITE_URL))
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.username:<{width}}  {login.password}   {login.note}")
