"""The Celery application.

With a broker configured (CELERY_BROKER_URL) tasks go to Redis and run in a worker; without one
(the embedded demo) settings make them run in-process.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
