"""`{% load talk %}{% discussion thread %}`: comments, composer and reactions
of any thread, for pages outside Let's Talk (newsletter articles)."""

from django import template

from discussions.models import Thread
from discussions.views import thread_context

register = template.Library()


@register.inclusion_tag("discussions/includes/discussion.html", takes_context=True)
def discussion(context: template.Context, thread: Thread) -> dict:
    request = context["request"]
    data = thread_context(request, thread)
    data.update(
        request=request,
        user=request.user,
        csrf_token=context.get("csrf_token"),
        embedded=True,
        next=request.get_full_path(),
    )
    return data
