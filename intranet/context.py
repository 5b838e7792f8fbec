from django.http import HttpRequest

NAV = [
    ("home", "Home", "/"),
    ("talk", "Let's Talk", "/talk/"),
    ("ask", "Ask Leadership", "/ask/"),
    ("loop", "In the Loop", "/loop/"),
    ("people", "People", "/people/"),
]


def site(request: HttpRequest) -> dict:
    path = request.path
    current = "home"
    for key, _label, url in NAV[1:]:
        if path.startswith(url):
            current = key
    return {"nav": NAV, "nav_current": current}
