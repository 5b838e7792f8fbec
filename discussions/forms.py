"""Forms of the Let's Talk pages (the API uses the *In serializers)."""

from django import forms

from discussions import permissions
from discussions.models import (
    BOARD_KINDS,
    BODY_MAX,
    COMMENT_MAX,
    REASON_MAX,
    TITLE_MAX,
    IdeaStatus,
    ModerationActionKind,
    ReactionKind,
    ThreadKind,
    Topic,
)
from intranet.models import User

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ThreadForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of post")
    title = forms.CharField(max_length=TITLE_MAX)
    body = forms.CharField(
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Markdown works: **bold**, lists, links. Mention colleagues with @username.",
    )
    published_at = forms.DateTimeField(
        required=False, label="Publish at", widget=DATETIME, help_text="Empty: publish now."
    )
    expires_at = forms.DateTimeField(
        required=False,
        label="Expires at",
        widget=DATETIME,
        help_text="For time-bound notices: drops out of lists and feeds after this.",
    )
    important = forms.BooleanField(
        required=False, help_text="Announcements: pin to the top of everyone's home feed."
    )
    important_until = forms.DateTimeField(
        required=False, label="Important until", widget=DATETIME, help_text="Default: 14 days."
    )
    email_everyone = forms.BooleanField(
        required=False, label="E-mail this announcement to all staff"
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (kind.value, kind.label)
            for kind in BOARD_KINDS
            if permissions.can_post_kind(user, kind)
        ]
        self.fields["kind"].initial = ThreadKind.DISCUSSION
        if not user.is_communicator:
            for name in ("important", "important_until", "email_everyone"):
                del self.fields[name]


class ThreadEditForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX)
    body = forms.CharField(max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 10}))


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown works. Mention colleagues with @username.",
    )
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class CommentEditForm(forms.Form):
    body = forms.CharField(
        label="Comment", max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )


class ReactionForm(forms.Form):
    kind = forms.ChoiceField(choices=ReactionKind.choices)


class FlagForm(forms.Form):
    reason = forms.CharField(
        label="What is wrong with it?",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class IdeaStatusForm(forms.Form):
    status = forms.ChoiceField(choices=IdeaStatus.choices)
    reason = forms.CharField(
        label="Reason (shown publicly)",
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ModerationForm(forms.Form):
    action = forms.ChoiceField(choices=ModerationActionKind.choices)
    thread = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    comment = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(required=False, max_length=REASON_MAX)
    topic = forms.ModelChoiceField(queryset=Topic.objects.filter(archived=False), required=False)

    def clean(self) -> dict:
        data = super().clean()
        if bool(data.get("thread")) == bool(data.get("comment")):
            raise forms.ValidationError("Name exactly one of a thread or a comment.")
        return data


class SearchForm(forms.Form):
    q = forms.CharField(label="Search Let's Talk", max_length=200)


class IdeaSortForm(forms.Form):
    sort = forms.ChoiceField(
        choices=[("votes", "Most votes"), ("status", "Status"), ("new", "Newest")], required=False
    )
