"""Atom feed of published issues."""

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.utils.feedgenerator import Atom1Feed

from newsletters.models import Issue

FEED_SIZE = 30


class IssueFeed(Feed):
    feed_type = Atom1Feed
    title = "In the Loop"
    link = "/loop/"
    subtitle = "The staff newsletter archive."

    def items(self) -> QuerySet[Issue]:
        return (
            Issue.objects.published()
            .select_related("newsletter")
            .defer("html", "text", "blocks")
            .order_by("-sent_at")[:FEED_SIZE]
        )

    def item_title(self, item: Issue) -> str:
        return f"{item.newsletter.name}: {item.subject}"

    def item_description(self, item: Issue) -> str:
        return item.preheader

    def item_pubdate(self, item: Issue):  # type: ignore[no-untyped-def]
        return item.sent_at or item.started_at

    def item_link(self, item: Issue) -> str:
        return item.get_absolute_url()
