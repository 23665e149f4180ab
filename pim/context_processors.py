from django.conf import settings


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "COOLOFF_MINUTES": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
