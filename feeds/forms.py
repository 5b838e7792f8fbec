from django import forms

from feeds.models import Delivery, NotificationKind


class PreferencesForm(forms.Form):
    """One choice per notification kind."""

    def __init__(self, *args: object, initial_choices: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for kind, label in NotificationKind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label, choices=Delivery.choices, initial=initial_choices.get(kind)
            )


class BeforeForm(forms.Form):
    """`?before=<id>`: the keyset cursor of the feed and notification pages."""

    before = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
