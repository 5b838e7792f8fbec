from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = "Let's Talk"

    def ready(self) -> None:
        from discussions import search, search_talk, streams
        from feeds import streams as feed_streams

        feed_streams.register(
            "thread",
            streams.can_read_thread,
            streams.thread_exists,
            open_to_all=streams.thread_open_to_all,
            readable_among=streams.threads_readable,
        )
        feed_streams.register(
            "topic",
            streams.can_read_topic,
            streams.topic_exists,
            open_to_all=streams.topic_exists,
            readable_among=streams.topics_readable,
        )
        feed_streams.register_snapshot("thread", streams.thread_counts)
        search.register(search_talk.search_threads)
        search.register(search_talk.search_comments)
        grant_role_permissions()


def grant_role_permissions() -> None:
    from intranet.models import Role
    from intranet.roles import grant

    grant(
        Role.MODERATOR,
        [
            "discussions.view_thread",
            "discussions.change_thread",
            "discussions.view_comment",
            "discussions.change_comment",
            "discussions.view_flag",
            "discussions.change_flag",
            "discussions.view_moderationaction",
        ],
    )
    grant(Role.LEADER, ["discussions.add_thread", "discussions.view_topic"])
    grant(
        Role.COMMUNICATOR,
        [
            "discussions.add_thread",
            "discussions.add_topic",
            "discussions.change_topic",
        ],
    )
