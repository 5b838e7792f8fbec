"""Atom feed of published issues."""

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from newsletters.models import Issue

FEED_SIZE = 30


class IssueAtom(Atom1Feed):
    def latest_post_date(self):  # type: ignore[no-untyped-def]
        """The newest issue's date; with none, the project's clock (Django's
        fallback reads the system clock directly, past `timezone.now`)."""
        dates = [item[key] for item in self.items for key in ("updateddate", "pubdate")]
        dates = [date for date in dates if date]
        return max(dates) if dates else timezone.now()


class IssueFeed(Feed):
    feed_type = IssueAtom
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
