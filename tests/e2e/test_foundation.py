from playwright.sync_api import expect

from tests.factories import make_cast


def test_staff_signs_in_sees_home_searches_directory_and_opens_profile(new_page):
    cast = make_cast()
    page = new_page()
    page.goto("/")
    assert "/account/login/" in page.url
    page.get_by_label("Username").fill("sam.staff")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sam Staff")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_label("Name or title").fill("Chief Nursing")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status").filter(has_text="person")).to_have_text("1 person")
    page.get_by_role("link", name="Lee Leader").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lee Leader")
    expect(page.get_by_text("Chief Nursing Officer").first).to_be_visible()
    assert cast["leader"].username in page.url
