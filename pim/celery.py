"""The Celery application: Redis broker from REDIS_URL; without one, tasks run in-process.

Settings are read from Django's settings under the CELERY_ prefix (see pim/settings.py), so the
broker, the eager fallback and the beat schedule are configured in one place.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pim.settings")

app = Celery("pim")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
