from django.http import HttpRequest

from feeds.models import Notification


def unread(request: HttpRequest) -> dict:
    """The bell's count on every page (one indexed count)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    return {"unread_notifications": count}
