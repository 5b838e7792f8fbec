"""Page forms: archive search, new issue, and the editor's action buttons."""

from django import forms

from newsletters.models import IssueTemplate, Newsletter

ACTIONS = ["schedule", "unschedule", "send", "pause", "resume", "cancel", "test", "template"]


class SearchForm(forms.Form):
    q = forms.CharField(label="Search the archive", max_length=200, required=False)

    def clean_q(self) -> str:
        value = self.cleaned_data["q"]
        if "\x00" in value:
            raise forms.ValidationError("NUL characters are not allowed.")
        return value.strip()


class CreateIssueForm(forms.Form):
    newsletter = forms.ModelChoiceField(Newsletter.objects.all(), empty_label=None)
    template = forms.ModelChoiceField(
        IssueTemplate.objects.select_related("newsletter"),
        required=False,
        empty_label="Blank issue",
    )

    def clean(self) -> dict:
        data = super().clean()
        template, newsletter = data.get("template"), data.get("newsletter")
        if template and newsletter and template.newsletter_id != newsletter.pk:
            raise forms.ValidationError("That template belongs to another newsletter.")
        return data


class ActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    at = forms.DateTimeField(
        label="Send at", required=False, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    to = forms.CharField(label="Send a test to", max_length=2000, required=False)
    name = forms.CharField(label="Template name", max_length=120, required=False)

    def clean_to(self) -> list[str]:
        raw = self.cleaned_data["to"].replace(";", ",")
        addresses = [a.strip() for a in raw.split(",") if a.strip()]
        field = forms.EmailField()
        for address in addresses:
            field.clean(address)
        return addresses

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == "template" and not data.get("name", "").strip():
            self.add_error("name", "Give the template a name.")
        return data
