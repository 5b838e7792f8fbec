from django import forms

from intranet.models import Department, Site, UserQuerySet


class DirectorySearchForm(forms.Form):
    q = forms.CharField(label="Name or title", max_length=100, required=False)
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), required=False, empty_label="All departments"
    )
    site = forms.ModelChoiceField(
        queryset=Site.objects.all(), required=False, empty_label="All sites"
    )

    def filter(self, people: UserQuerySet) -> UserQuerySet:
        data = self.cleaned_data
        if data.get("q"):
            people = people.search(data["q"])
        if data.get("department"):
            people = people.filter(department__in=data["department"].subtree())
        if data.get("site"):
            people = people.filter(site=data["site"])
        return people


class TokenForm(forms.Form):
    name = forms.CharField(label="Token name", max_length=100)
