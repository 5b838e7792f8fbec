"""The one pipeline for user text: Markdown, @mentions, bleach last.

The XSS corpus is audited by parsing the output (html.parser) and checking
every tag, attribute and URL scheme against this file's own allow-list, plus a
raw check that every "<" in the output opens an allowed tag (so a parser
difference between html.parser and a browser cannot hide a tag)."""

import re
from html.parser import HTMLParser

import pytest

from intranet.markup import absolute_links, excerpt, render, render_plain, sanitize_html
from tests.factories import UserFactory

TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ATTRIBUTES = {("a", "href"), ("a", "title"), ("a", "rel"), ("a", "class"), ("code", "class")}
ATTRIBUTES |= {("ol", "start")}
SCHEMES = {None, "http", "https", "mailto"}
TAG_OPENING = re.compile(r"<(/?)([^\s/>]*)")


def scheme_of(url: str) -> str | None:
    # html.parser has decoded entities once, as a browser does. Browsers drop
    # tabs/newlines anywhere and control characters at the ends; dropping every
    # control character and space anywhere is stricter.
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", url)
    match = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*):", cleaned)
    return match.group(1).lower() if match else None


class Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if (tag, name) not in ATTRIBUTES:
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "href" and scheme_of(value or "") not in SCHEMES:
                self.problems.append(f"URL {value!r}")
            if tag == "a" and name == "class" and value != "mention":
                self.problems.append(f"class {value!r} on <a>")
            if tag == "a" and name == "rel" and value != "nofollow noopener noreferrer":
                self.problems.append(f"rel {value!r}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration {data!r}")


def assert_inert(output: str) -> None:
    audit = Audit()
    audit.feed(output)
    audit.close()
    for closing, name in TAG_OPENING.findall(output):
        if name.lower() not in TAGS:
            audit.problems.append(f"raw '<{closing}{name}'")
    assert not audit.problems, f"{audit.problems} in {output!r}"


BAD_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "java&#09;script:alert(1)",
    "jav&#x09;ascript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript&colon;alert(1)",
    "&#0000106;&#0000097;vascript:alert(1)",
    "javascript&#58;alert(1)",
    "javascript&#x3a;alert(1)",
    "\x01javascript:alert(1)",
    "&#14;javascript:alert(1)",
    "javascript\x00:alert(1)",
    "vbscript:msgbox(1)",
    "VBScript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,<script>alert(1)</script>",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "data:image/png;base64,iVBORw0KGgo=",
    "file:///etc/passwd",
    "livescript:alert(1)",
]

URL_TEMPLATES = [
    "[x]({url})",
    "[x](<{url}>)",
    '[x]({url} "title")',
    "![x]({url})",
    "<{url}>",
    "[x][ref]\n\n[ref]: {url}",
    "![x][ref]\n\n[ref]: <{url}>",
    '<a href="{url}">x</a>',
    '<img src="{url}">',
    '<iframe src="{url}"></iframe>',
    '<form action="{url}"><button>x</button></form>',
    "{url}",
]

RAW_HTML = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<img src=x onerror\n=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href='javascript:alert(1)'><text>x</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math href='javascript:alert(1)'>x</math>",
    "<iframe src='javascript:alert(1)'></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<form action='javascript:alert(1)'><input type=submit></form>",
    "<button formaction='javascript:alert(1)'>x</button>",
    "<div style='background:url(javascript:alert(1))'>x</div>",
    "<p style='color:red'>x</p>",
    "<style>@import 'javascript:alert(1)';</style>",
    "<body onload=alert(1)>",
    "<b onmouseover=alert(1)>x</b>",
    "<a href='https://ok.example' onclick='alert(1)'>x</a>",
    "<a href='https://ok.example' rel='opener'>x</a>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<a href='javascript:alert(1)'",
    "<img src='x",
    "<p><a href='x' onclick='alert(1)'>",
    "</p><script>alert(1)</script><p>",
    "<b><i>unclosed <u>tags",
    "</a></code></pre><script>alert(1)</script>",
    "<object data='javascript:alert(1)'></object>",
    "<embed src='javascript:alert(1)'>",
    "<meta http-equiv='refresh' content='0;url=javascript:alert(1)'>",
    "<base href='javascript:alert(1)//'>",
    "<link rel=stylesheet href='https://evil.example/x.css'>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<noscript><p title='</noscript><img src=x onerror=alert(1)>'></noscript>",
    "<table background='javascript:alert(1)'><tr><td>x</td></tr></table>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<template><script>alert(1)</script></template>",
    "<select><style></select><img src=x onerror=alert(1)>",
    "<x:script>alert(1)</x:script>",
    "<a href='&#1;javascript:alert(1)'>x</a>",
    "<a href='  &#14; javascript:alert(1)'>x</a>",
    '<a href="java&#x0A;script:alert(1)">x</a>',
    "<code class='x\" onclick=\"alert(1)'>x</code>",
    "<a class='mention evil' href='/people/x/'>x</a>",
    "<textarea><script>alert(1)</script></textarea>",
    "<plaintext><script>alert(1)</script>",
    "<xmp><script>alert(1)</script></xmp>",
]

MARKDOWN_TRICKS = [
    "[x](javascript:alert(1))",
    "[x](javascript:alert(1) 'title')",
    "[x]( javascript:alert(1) )",
    "[x](javascript&#58;alert(1))",
    "[x](&#x6A;avascript&colon;alert(1))",
    "[x](\\javascript:alert(1))",
    "[<img src=x onerror=alert(1)>](https://ok.example)",
    '[x](https://ok.example "onmouseover=alert(1)")',
    '[x](https://ok.example"onmouseover="alert(1))',
    '![x" onerror="alert(1)](https://ok.example/x.png)',
    '![x](https://ok.example/x.png"onerror="alert(1))',
    "[![x](javascript:alert(1))](javascript:alert(1))",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "[x]: javascript:alert(1)\n\n[x]",
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "    <script>alert(1)</script>",
    "**<img src=x onerror=alert(1)>**",
    "> <script>alert(1)</script>",
    "| <script> | x |\n|---|---|\n| <img src=x onerror=alert(1)> | y |",
    '```" onclick="alert(1)\nx\n```',
    '```x"><script>alert(1)</script>\nx\n```',
    "@<img src=x onerror=alert(1)>",
    "@<svg/onload=alert(1)>",
    "www.example.com/<script>alert(1)</script>",
    'https://example.com/"onmouseover="alert(1)',
]

# Mentions of real people next to markup (run with the cast in the database).
MENTION_TRICKS = [
    "@sam.staff<script>alert(1)</script>",
    '@sam.staff"onmouseover=alert(1)',
    '@"onmouseover=alert(1)',
    "[@sam.staff](javascript:alert(1))",
    "@sam.staff](javascript:alert(1))",
    "[x](https://ok.example/@sam.staff)",
    "<@sam.staff>",
    "@sam.staff<img src=x onerror=alert(1)>@lee.leader",
    "**@sam.staff**<svg onload=alert(1)>",
    "![@sam.staff](javascript:alert(1))",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_dangerous_urls_never_survive_rendering(url: str) -> None:
    for template in URL_TEMPLATES:
        assert_inert(render(template.format(url=url)).html)


@pytest.mark.parametrize("url", BAD_URLS)
def test_dangerous_urls_never_survive_the_sanitiser(url: str) -> None:
    for template in URL_TEMPLATES:
        assert_inert(sanitize_html(template.format(url=url)))


@pytest.mark.django_db
@pytest.mark.parametrize("payload", RAW_HTML + MARKDOWN_TRICKS)
def test_nothing_executable_survives_rendering(payload: str) -> None:
    assert_inert(render(payload).html)


@pytest.mark.parametrize("payload", RAW_HTML + MARKDOWN_TRICKS + MENTION_TRICKS)
def test_nothing_executable_survives_the_sanitiser(payload: str) -> None:
    assert_inert(sanitize_html(payload))


@pytest.mark.django_db
def test_nothing_executable_survives_mentions_of_real_people(cast: dict) -> None:
    for payload in MENTION_TRICKS:
        assert_inert(render(payload).html)
    assert render(MENTION_TRICKS[0]).mentions == [cast["staff"]]


def test_the_audit_catches_what_it_must() -> None:
    for dangerous in [
        "<script>x</script>",
        "<a href='javascript:x'>x</a>",
        "<a href='java&#09;script:x'>x</a>",
        "<p onclick=x>x</p>",
        "<img src=x>",
        "<!-- x -->",
        "<a class=evil>x</a>",
    ]:
        with pytest.raises(AssertionError):
            assert_inert(dangerous)


@pytest.mark.django_db
def test_raw_html_is_shown_as_text() -> None:
    output = render("<b>bold</b> & <script>alert(1)</script>").html
    assert output == "<p>&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;</p>"


@pytest.mark.django_db
def test_tables_render_with_header_and_cells_but_no_alignment_style() -> None:
    output = render("| Ward | Beds |\n|:---|---:|\n| 4B | 12 |").html
    assert "<th>Ward</th>" in output
    assert "<td>12</td>" in output
    assert "<thead>" in output and "<tbody>" in output
    assert "style" not in output


@pytest.mark.django_db
def test_links_and_bare_urls_get_nofollow_noopener_noreferrer() -> None:
    output = render("[rota](https://rota.example/week) and www.example.org").html
    assert (
        '<a href="https://rota.example/week" rel="nofollow noopener noreferrer">rota</a>' in output
    )
    assert (
        '<a href="http://www.example.org" rel="nofollow noopener noreferrer">'
        "www.example.org</a>" in output
    )


@pytest.mark.django_db
def test_email_addresses_become_mailto_links() -> None:
    output = render("write to help@hospital.org").html
    assert 'href="mailto:help@hospital.org"' in output


@pytest.mark.django_db
def test_fenced_code_keeps_its_language_and_escapes_its_content() -> None:
    output = render("```python\nif a < b:\n    print('<ok>')\n```").html
    assert '<pre><code class="language-python">' in output
    assert "if a &lt; b:\n    print('&lt;ok&gt;')" in output


@pytest.mark.django_db
def test_emphasis_lists_quotes_and_strikethrough_render() -> None:
    output = render("**bold** *it* ~~gone~~\n\n3. three\n4. four\n\n- dot\n\n> said").html
    assert "<strong>bold</strong> <em>it</em> <s>gone</s>" in output
    assert '<ol start="3">' in output
    assert "<ul>\n<li>dot</li>" in output
    assert "<blockquote>" in output


@pytest.mark.django_db
def test_headings_start_at_h3_so_they_never_outrank_the_page() -> None:
    output = render("# One\n\n## Two\n\n#### Four").html
    assert output.startswith("<h3>One</h3>\n<h4>Two</h4>\n<h6>Four</h6>")


@pytest.mark.django_db
def test_images_become_links_to_the_image() -> None:
    output = render('![ward plan](https://files.example/plan.png "Plan")').html
    assert "<img" not in output
    assert (
        '<a href="https://files.example/plan.png" rel="nofollow noopener noreferrer">'
        "ward plan</a>" in output
    )


@pytest.mark.django_db
def test_mention_of_an_active_person_links_to_the_profile_and_is_returned(cast: dict) -> None:
    result = render("Thanks @sam.staff, see you.")
    assert result.html == (
        '<p>Thanks <a href="/people/sam.staff/" class="mention" '
        'rel="nofollow noopener noreferrer">@sam.staff</a>, see you.</p>'
    )
    assert result.mentions == [cast["staff"]]


@pytest.mark.django_db
def test_unknown_and_inactive_names_stay_plain_text(cast: dict) -> None:
    UserFactory(username="gone.person", is_active=False)
    result = render("@nobody.here and @gone.person")
    assert result.html == "<p>@nobody.here and @gone.person</p>"
    assert result.mentions == []


@pytest.mark.django_db
def test_mentions_in_code_or_links_are_not_mentions(cast: dict) -> None:
    text = (
        "`@sam.staff`\n\n```\n@sam.staff\n```\n\n    @sam.staff\n\n[@sam.staff](https://x.example)"
    )
    result = render(text)
    assert result.mentions == []
    assert "mention" not in result.html


@pytest.mark.django_db
def test_email_addresses_and_paths_are_not_mentions(cast: dict) -> None:
    result = render("mail x@sam.staff or see /files/@sam.staff or a@sam.staff.example")
    assert result.mentions == []


@pytest.mark.django_db
def test_each_person_is_returned_once_in_order_of_first_mention(cast: dict) -> None:
    result = render("@lee.leader asked @sam.staff; @lee.leader again, cc @casey.colleague")
    assert result.mentions == [cast["leader"], cast["staff"], cast["colleague"]]
    assert result.html.count('class="mention"') == 4


@pytest.mark.django_db
def test_mentions_resolve_in_one_query_however_many(cast: dict, django_assert_num_queries) -> None:
    text = " ".join(f"@{user.username}" for user in cast.values()) + " @nobody @other.nobody"
    with django_assert_num_queries(1):
        result = render(f"{text}\n\n> {text}\n\n- {text}")
    assert len(result.mentions) == len(cast)


@pytest.mark.django_db
def test_text_without_mentions_makes_no_query(django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        render("No names here, only **Markdown** and x@y.example")


@pytest.mark.django_db
def test_a_mention_keeps_trailing_punctuation_out_of_the_name(cast: dict) -> None:
    result = render("Well done @sam.staff.")
    assert result.mentions == [cast["staff"]]
    assert result.html.endswith(">@sam.staff</a>.</p>")


@pytest.mark.django_db
def test_nul_bytes_and_lone_surrogates_render_as_a_replacement_mark() -> None:
    output = render("a\x00b \ud800c").html
    assert output == "<p>a\ufffdb \ufffdc</p>"
    output.encode("utf-8")


def test_render_plain_has_no_html_and_shows_where_links_go() -> None:
    text = (
        "# Rota\n\nSee [the rota](https://rota.example/) and <b>this</b>.\n\n"
        "- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert render_plain(text) == (
        "Rota\n\nSee the rota (https://rota.example/) and <b>this</b>.\n\n"
        "- one\n- two\n\na | b\n1 | 2"
    )


def test_render_plain_keeps_code_layout() -> None:
    assert render_plain("```\nif x:\n    go()\n```") == "if x:\n    go()"


def test_excerpt_is_one_line_cut_on_a_word_and_marked() -> None:
    html = "<p>The new <strong>parking</strong> rules start on Monday for everyone.</p><p>More</p>"
    assert excerpt(html, 40) == "The new parking rules start on Monday…"
    assert excerpt("<p>Short &amp; sweet</p>", 40) == "Short & sweet"


def test_sanitizer_keeps_the_allowed_markup() -> None:
    allowed = (
        '<p><a href="https://x.example" title="t">x</a> <strong>s</strong> <em>e</em></p>'
        '<ol start="2"><li>i</li></ol><pre><code class="language-sql">q</code></pre>'
    )
    assert sanitize_html(allowed) == allowed.replace(
        'title="t"', 'title="t" rel="nofollow noopener noreferrer"'
    )


@pytest.mark.django_db
def test_absolute_links_make_mentions_usable_in_email(cast: dict) -> None:
    html = render('Hi @sam.staff, see [home](/) and [x](https://x.example/a) or `href="/x`').html

    email_html = absolute_links(html, "https://intranet.hospital.example/")

    assert 'href="https://intranet.hospital.example/people/sam.staff/"' in email_html
    assert 'href="https://intranet.hospital.example/"' in email_html
    assert 'href="https://x.example/a"' in email_html
    assert "<code>href=&quot;/x</code>" in email_html
    assert_inert(email_html)


def test_absolute_links_leave_protocol_relative_links_and_dangerous_input_inert() -> None:
    email_html = absolute_links(
        '<a href="//evil.example/">x</a><a href="javascript:alert(1)">y</a><script>z</script>',
        "https://intranet.hospital.example",
    )

    assert 'href="//evil.example/"' in email_html
    assert_inert(email_html)
