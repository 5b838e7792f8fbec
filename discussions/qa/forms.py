from django import forms
from django.core.validators import RegexValidator

from discussions.qa.models import BODY_MAX, TITLE_MAX, QASession, RejectReason
from intranet.models import Role, User


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise forms.ValidationError("NUL characters are not allowed.")


class AskForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX, label="Your question", validators=[_no_nul])
    body = forms.CharField(
        max_length=BODY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Details (optional, Markdown)",
        validators=[_no_nul],
    )
    addressed_to = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Addressed to",
        help_text="Leave empty for the whole leadership team.",
        to_field_name="username",
    )
    session = forms.ModelChoiceField(
        queryset=QASession.objects.none(), required=False, label="Town hall", empty_label="None"
    )
    topic_url = forms.CharField(
        max_length=300,
        required=False,
        label="Related Let's Talk topic (link, optional)",
        validators=[RegexValidator(r"^/talk/[\w\-/]*$", "Use a /talk/… link.")],
    )
    anonymous = forms.BooleanField(
        required=False,
        label="Ask anonymously",
        help_text="Nobody, leaders and administrators included, can see who asked. "
        "You get a private link instead; it is shown once.",
    )

    def __init__(self, *args: object, sessions: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["addressed_to"].queryset = (
            User.objects.active().filter(groups__name=Role.LEADER).order_by("display_name")
        )
        if sessions is None:
            del self.fields["session"]
        else:
            self.fields["session"].queryset = sessions


class EditQuestionForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX, validators=[_no_nul])
    body = forms.CharField(
        max_length=BODY_MAX, required=False, widget=forms.Textarea, validators=[_no_nul]
    )


class AnswerForm(forms.Form):
    body = forms.CharField(
        max_length=20000,
        widget=forms.Textarea,
        label="Official answer (Markdown)",
        validators=[_no_nul],
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Follow-up",
        validators=[_no_nul],
    )


class RejectForm(forms.Form):
    reason = forms.ChoiceField(choices=RejectReason.choices, label="Reason")


class MergeForm(forms.Form):
    into = forms.IntegerField(min_value=1, label="Merge into question number")


class SessionForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX, validators=[_no_nul])
    description = forms.CharField(
        max_length=BODY_MAX, required=False, widget=forms.Textarea, validators=[_no_nul]
    )
    hosts = forms.CharField(
        max_length=1000, required=False, help_text="Usernames, separated by commas."
    )
    starts_at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    opens_at = forms.DateTimeField(
        required=False,
        label="Questions open at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    closes_at = forms.DateTimeField(
        required=False,
        label="Questions close at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    premoderated = forms.BooleanField(required=False, label="Hold questions until approved")

    def clean(self) -> dict:
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "Questions must close after they open.")
        return data

    def clean_hosts(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["hosts"].split(",") if name.strip()]
