"""Pages and list endpoints cost a fixed number of queries, however many
comments, reactions and threads there are."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from discussions.services.ideas import vote
from discussions.services.reactions import add_reaction
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def fill(cast, thread, comment, n):  # type: ignore[no-untyped-def]
    people = [cast["colleague"], cast["leader"], cast["moderator"]]
    for i in range(n):
        remark = comment(people[i % 3], thread, body=f"Comment {i} @sam.staff")
        comment(people[(i + 1) % 3], thread, body=f"Reply {i}", parent=remark)
        for person in people:
            add_reaction(user=person, target=remark, kind="like")
    for person in people:
        add_reaction(user=person, target=thread, kind="celebrate")


def count(fn) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200
    return len(ctx.captured_queries)


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_thread_page_queries_do_not_grow_with_comments_or_reactions(cast, comment, post):
    small, big = post(cast["staff"], title="Small"), post(cast["staff"], title="Big")
    fill(cast, small, comment, 1)
    fill(cast, big, comment, 12)
    client = signed_in(cast["outsider"])
    client.get(small.get_absolute_url())  # the first visit creates the read position
    client.get(big.get_absolute_url())
    assert count(lambda: client.get(small.get_absolute_url())) == count(
        lambda: client.get(big.get_absolute_url())
    )
    moderator = signed_in(cast["moderator"])
    moderator.get(big.get_absolute_url())
    assert count(lambda: moderator.get(big.get_absolute_url())) <= 25


def test_board_and_topic_pages_have_a_fixed_query_count(
    cast, comment, post, topic, django_assert_max_num_queries
):
    client = signed_in(cast["staff"])
    thread = post(cast["staff"], kind="idea")
    fill(cast, thread, comment, 1)
    few_board = count(lambda: client.get("/talk/"))
    few_topic = count(lambda: client.get(topic.get_absolute_url()))
    few_ideas = count(lambda: client.get(f"/talk/topics/{topic.pk}/ideas/"))
    for n in range(10):
        more = post(UserFactory(), kind="idea", title=f"Idea {n}")
        vote(user=cast["colleague"], thread=more)
        fill(cast, more, comment, 2)
    assert count(lambda: client.get("/talk/")) == few_board
    assert count(lambda: client.get(topic.get_absolute_url())) == few_topic
    assert count(lambda: client.get(f"/talk/topics/{topic.pk}/ideas/")) == few_ideas
    with django_assert_max_num_queries(12):
        client.get("/talk/")


@pytest.mark.parametrize("endpoint", ["threads", "comments", "topics", "search"])
def test_list_endpoints_have_a_fixed_query_count(cast, api_as, comment, post, endpoint):
    thread = post(cast["staff"], title="Rota")
    fill(cast, thread, comment, 1)
    urls = {
        "threads": "/api/v1/threads/",
        "comments": f"/api/v1/threads/{thread.pk}/comments/",
        "topics": "/api/v1/topics/",
        "search": "/api/v1/search/?q=comment",
    }
    client = api_as(cast["staff"])
    client.get(urls[endpoint])  # the first request also loads the person's roles
    few = count(lambda: client.get(urls[endpoint]))
    for n in range(8):
        post(cast["colleague"], title=f"Rota {n}")
    fill(cast, thread, comment, 10)
    assert count(lambda: client.get(urls[endpoint])) == few
