"""The health endpoint: is the database answering, and is the broker (when there is one)?"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "not usable"; the details go to the log, not the world
        return "error"
    return "ok"


def broker_state() -> str:
    if not settings.REDIS_URL:
        return "in-process"
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        client = Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except RedisError:
        return "error"
    return "ok"


@never_cache
@require_GET
@login_not_required
def health(request):
    state = {"database": database_state(), "broker": broker_state()}
    healthy = all(value != "error" for value in state.values())
    state["status"] = "ok" if healthy else "error"
    return JsonResponse(state, status=200 if healthy else 503)
