"""The widget on someone else's page and the survey page, in headless Chromium."""

from __future__ import annotations

import email
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from app.extensions import db
from app.models import Invite
from app.models.types import utcnow
from app.services.invites.embeds import sign_payload

pytestmark = pytest.mark.browser

WIDGET = "afterword-survey"


def make_invite(seed, kind: str = "nps", locale: str | None = None, **survey_fields) -> dict:
    def build(f):
        ws = f.workspace("Acme Support")
        survey = f.survey(ws, kind, **survey_fields)
        customer = {"email": "ada@example.com", "name": "Ada", **({"locale": locale} if locale else {})}
        from app.services.invites.creation import create_invite

        invite = create_invite(ws.id, {"survey_id": survey.id, "customer": customer, "ticket": {"id": "T-1"}})
        return {"token": invite.token, "key": ws.key, "survey_id": survey.id, "invite_id": invite.id}

    return seed(build)


def api(live, key: str, method: str, path: str, **kwargs):
    response = requests.request(
        method, live.url + "/api/v1" + path, headers={"Authorization": f"Bearer {key}"}, timeout=10, **kwargs
    )
    return response


def host_page(
    live,
    host,
    path: str,
    script: dict | None = None,
    inline: str | None = None,
    direction: str = "ltr",
    lang: str = "en",
) -> str:
    """A host app's page: hostile CSS, a strict CSP, and the snippet."""
    attrs = " ".join(f'data-{k}="{v}"' for k, v in (script or {}).items())
    call = (
        f'<script nonce="hostnonce">window.addEventListener("load", function () {{ {inline} }});</script>'
        if inline
        else ""
    )
    html = f"""<!doctype html>
<html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Host app</title>
<style nonce="hostnonce">
  body {{ font: 22px Georgia, serif; margin: 0; padding: 16px; }}
  button, label, input, textarea, legend {{ display: none !important; }}
  p, h2, span {{ color: #c00 !important; letter-spacing: 4px; }}
</style></head>
<body><h1>Your chat has ended</h1><p>Thanks for chatting with us.</p><a href="#help">Help centre</a>
<script src="{live.url}/embed.js" {attrs} async></script>{call}
</body></html>"""
    return host.put(path, html)


def shadow_eval(page, script: str):
    """Run `script` with `root` bound to the widget's shadow root."""
    return page.evaluate(f"() => {{ const root = document.querySelector('{WIDGET}').shadowRoot; {script} }}")


def responses(live, key: str) -> list[dict]:
    return api(live, key, "GET", "/responses").json()["items"]


def test_answer_by_mouse(live, host, seed, page, shot):
    ids = make_invite(seed, "nps")
    page.goto(host_page(live, host, "/mouse", {"token": ids["token"]}))
    region = page.get_by_role("region", name="Feedback for Acme Support")
    region.get_by_text("How likely are you to recommend us to a friend or colleague?").wait_for()
    # The host's CSS hides every button and label on its page; none of it reaches the widget.
    assert region.get_by_role("radio").count() == 11
    assert region.get_by_role("button", name="Send my answer").is_visible()
    assert shadow_eval(page, "return getComputedStyle(root.querySelector('.aw')).fontFamily").startswith("system-ui")
    shot(page, "1-shown")

    region.get_by_text("9", exact=True).click()
    assert region.get_by_role("radio", name="9").is_checked()
    comment = region.get_by_role("textbox", name="What do you like most about us?")
    comment.fill("Sam fixed it in minutes.")
    shot(page, "2-chosen")
    region.get_by_role("button", name="Send my answer").click()
    region.get_by_role("heading", name="Thank you!").wait_for()
    assert region.get_by_text("Your answer has been recorded.").is_visible()
    shot(page, "3-thanks")

    [item] = responses(live, ids["key"])
    assert (item["score"], item["comment"]) == (9, "Sam fixed it in minutes.")

    region.get_by_role("button", name="Close").click()
    assert page.locator(WIDGET).count() == 0


def test_answer_by_keyboard_alone(live, host, seed, page, shot):
    ids = make_invite(seed, "csat")
    secret = api(live, ids["key"], "GET", "/workspace/embed-secret").json()["embed_secret"]
    signed = sign_payload(
        secret,
        {
            "survey_id": ids["survey_id"],
            "customer": {"email": "kim@example.com"},
            "ticket": {"id": "CHAT-77", "channel": "chat"},
        },
    )
    page.goto(host_page(live, host, "/keyboard", inline=f"Afterword.show({{signed: {json.dumps(signed)}}});"))
    region = page.get_by_role("region", name="Feedback for Acme Support")
    region.get_by_role("radio", name="1").wait_for()

    for _ in range(6):  # from the top of the host page: its link, then into the widget
        page.keyboard.press("Tab")
        if shadow_eval(page, "return root.activeElement && root.activeElement.type") == "radio":
            break
    else:
        pytest.fail("Tab never reached the widget's scale")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert region.get_by_role("radio", name="4").is_checked()
    assert region.get_by_role("radio", name="4").evaluate("el => el.matches(':focus-visible')")
    ring = shadow_eval(
        page,
        "const s = getComputedStyle(root.activeElement.nextElementSibling);return [s.outlineStyle, s.outlineWidth]",
    )
    assert ring == ["solid", "3px"], "the focused point shows a visible focus ring"
    # Each thing said once: the radio says "4, checked", the follow-up question is read from its own
    # live label, and the status line (for errors) stays empty rather than repeating both.
    follow_up = shadow_eval(
        page, "const l = root.querySelector('.fu'); return [l.textContent, l.getAttribute('aria-live')]"
    )
    assert follow_up == ["Great to hear! What did we do well?", "polite"]
    assert shadow_eval(page, "return root.querySelector('[role=status]').textContent") == ""
    shot(page, "1-focused")

    page.keyboard.press("Tab")
    assert shadow_eval(page, "return root.activeElement.tagName") == "TEXTAREA"
    page.keyboard.type("Clear answers, no waiting.")
    page.keyboard.press("Tab")
    assert shadow_eval(page, "return root.activeElement.textContent") == "Send my answer"
    page.keyboard.press("Enter")
    region.get_by_role("heading", name="Thank you!").wait_for()
    assert shadow_eval(page, "return root.activeElement.tagName") == "H2", "focus moves to the thanks, so it is read"
    shot(page, "2-thanks")

    [item] = responses(live, ids["key"])
    assert (item["score"], item["comment"]) == (4, "Clear answers, no waiting.")
    assert item["ticket"]["id"] == "CHAT-77" and item["ticket"]["channel"] == "chat"
    # Displaying it again for the same signed content finds the same, now answered, invite.
    page.reload()
    region.get_by_role("radio", name="4").wait_for()
    assert region.get_by_role("radio", name="4").is_checked()
    assert region.get_by_role("button", name="Update my answer").is_visible()


def test_comment_is_shown_as_text_never_as_html(live, host, seed, page, shot):
    ids = make_invite(seed, "ces")
    evil = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    page.on("dialog", lambda dialog: pytest.fail("a dialog opened"))
    page.goto(host_page(live, host, "/comment", {"token": ids["token"]}))
    region = page.get_by_role("region", name="Feedback for Acme Support")
    region.get_by_text("2", exact=True).click()
    region.get_by_role("textbox", name="What made it hard?").fill(evil)
    region.get_by_role("button", name="Send my answer").click()
    region.get_by_role("heading", name="Thank you!").wait_for()
    assert responses(live, ids["key"])[0]["comment"] == evil

    page.evaluate(f"Afterword.show({{token: {json.dumps(ids['token'])}}})")
    region.get_by_role("button", name="Update my answer").wait_for()
    assert region.get_by_role("textbox").input_value() == evil
    assert shadow_eval(page, "return root.querySelectorAll('img[src=x], script').length") == 0
    shot(page, "widget")

    page.goto(f"{live.url}/s/{ids['token']}")
    assert page.get_by_role("textbox").input_value() == evil
    assert page.locator("img[src=x]").count() == 0
    assert page.evaluate("window.pwned") is None
    shot(page, "page")


def test_change_language(live, host, seed, context, page, shot):
    ids = make_invite(seed, "csat")
    page.goto(
        host_page(live, host, "/lang", inline=f"Afterword.show({{token: {json.dumps(ids['token'])}, locale: 'de'}});")
    )
    region = page.get_by_role("region", name="Feedback für Acme Support")
    region.get_by_text("Wie zufrieden waren Sie mit dem Support, den Sie erhalten haben?").wait_for()
    assert region.get_by_role("button", name="Antwort senden").is_visible()
    assert shadow_eval(page, "return root.querySelector('.aw').lang") == "de"
    shot(page, "de")
    page.evaluate(f"Afterword.show({{token: {json.dumps(ids['token'])}, locale: 'pt'}})")
    page.get_by_role("region", name="Opinião para Acme Support").get_by_role(
        "button", name="Enviar minha resposta"
    ).wait_for()
    assert page.locator(WIDGET).count() == 1

    # The survey page: the invite's language (en), then the customer's own pick.
    page.goto(f"{live.url}/s/{ids['token']}?score=5")
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Français").click()
    page.get_by_role("heading", name="Dans quelle mesure êtes-vous satisfait de l'assistance reçue\u00a0?").wait_for()
    assert page.get_by_role("radio", name="5").is_checked()
    assert page.locator("html").get_attribute("lang") == "fr"
    shot(page, "page-fr")
    page.get_by_role("button", name="Envoyer ma réponse").click()
    page.get_by_role("heading", name="Merci\u00a0!").wait_for()

    # No usable invite locale: the browser's Accept-Language decides.
    other = make_invite(seed, "csat", locale="it")
    spanish = context.browser.new_context(locale="es-ES")
    try:
        es_page = spanish.new_page()
        es_page.goto(f"{live.url}/s/{other['token']}")
        es_page.get_by_role("button", name="Enviar mi respuesta").wait_for()
        assert es_page.locator("html").get_attribute("lang") == "es"
    finally:
        spanish.close()


def test_an_expired_token(live, host, seed, page, shot):
    ids = make_invite(seed, "nps")

    def expire(_):
        invite = db.session.scalar(select(Invite).where(Invite.token == ids["token"]))
        invite.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()

    seed(expire)
    page.goto(host_page(live, host, "/expired", {"token": ids["token"], "locale": "fr"}))
    region = page.get_by_role("region", name="Votre avis pour Acme Support")
    region.get_by_role("heading", name="Cette enquête est close").wait_for()
    assert region.get_by_role("radio").count() == 0
    shot(page, "widget")

    survey_page = page.goto(f"{live.url}/s/{ids['token']}")
    assert survey_page.status == 410
    assert page.get_by_role("heading", name="This survey has closed").is_visible()

    # An expired signature: nothing appears on the host page, the host's developer gets a warning.
    secret = api(live, ids["key"], "GET", "/workspace/embed-secret").json()["embed_secret"]
    stale = sign_payload(
        secret,
        {
            "survey_id": ids["survey_id"],
            "customer": {"email": "late@example.com"},
            "ticket": {"id": "OLD-1"},
            "exp": 1_700_000_000,
        },
    )
    page.goto(host_page(live, host, "/expired-signed", {"signed": stale}))
    page.wait_for_function("() => window.Afterword !== undefined")
    page.wait_for_timeout(300)
    assert page.locator(WIDGET).count() == 0
    assert any(m.startswith("Afterword:") for m in page.console_messages), page.console_messages
    shot(page, "signed")


def test_survey_page_from_an_email_link(live, seed, page, shot):
    ids = make_invite(seed, "csat")
    outbox = Path(live.config["OUTBOX_DIR"])
    [eml] = [
        p
        for p in outbox.glob("*.eml")
        if email.message_from_bytes(p.read_bytes())["X-Afterword-Invite"] == str(ids["invite_id"])
    ]
    message = email.message_from_bytes(eml.read_bytes())
    html = next(p for p in message.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    links = {int(score): url for url, score in re.findall(r'href="([^"]+\?score=(\d+))"', html)}
    assert sorted(links) == [1, 2, 3, 4, 5] and links[2].startswith(live.url)

    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(links[2])
    assert page.get_by_role("radio", name="2").is_checked()
    assert page.get_by_text("Your score is not saved until you press the button.").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()") == "#2f5bd3"
    shot(page, "1-opened")
    assert responses(live, ids["key"]) == []  # opening the link recorded nothing

    # The follow-up question follows the chosen score (band edges come from the server).
    page.get_by_role("radio", name="5").check()
    page.get_by_role("textbox", name="Great to hear! What did we do well?").wait_for()
    page.get_by_role("radio", name="3").check()
    page.get_by_role("textbox", name="What is the main reason for your rating?").wait_for()
    page.get_by_role("radio", name="1").check()
    page.get_by_role("textbox", name="We're sorry. What went wrong?").fill("Waited three days.")
    page.get_by_role("button", name="Send my answer").click()  # a real POST with the CSRF token
    page.get_by_role("heading", name="Thank you!").wait_for()
    shot(page, "2-thanks")
    [item] = responses(live, ids["key"])
    assert (item["score"], item["comment"]) == (1, "Waited three days.")


CONTRAST = """
(pairs) => {
  const root = document.querySelector('afterword-survey').shadowRoot;
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                       return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const bg = (el) => { for (; el; el = el.parentElement || el.getRootNode().host) {
                         const c = getComputedStyle(el).backgroundColor; if (!c.endsWith(', 0)') && c !== 'transparent') return c; }
                       return 'rgb(255, 255, 255)'; };
  return pairs.map(sel => { const el = root.querySelector(sel); const s = getComputedStyle(el);
                            const [a, b] = [lum(s.color), lum(bg(el))].sort((x, y) => y - x);
                            return [sel, (a + 0.05) / (b + 0.05)]; });
}
"""


def test_small_screen_right_to_left_and_reduced_motion(live, host, seed, browser, shot):
    ids = make_invite(seed, "nps", question="كيف تقيم تجربتك مع فريق الدعم؟")
    api(live, ids["key"], "PATCH", "/workspace", json={"brand_colour": "#ffd400"})
    context = browser.new_context(viewport={"width": 320, "height": 640}, reduced_motion="reduce", locale="en-US")
    try:
        page = context.new_page()
        page.goto(host_page(live, host, "/rtl", {"token": ids["token"]}, direction="rtl", lang="ar"))
        region = page.get_by_role("region", name="Feedback for Acme Support")
        region.get_by_role("radio", name="10").wait_for()
        box = region.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320
        assert box["x"] < 16, "in a right-to-left page the widget sits at the left"
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        for n in (0, 10):
            point = region.locator("label.p", has_text=re.compile(f"^{n}$")).bounding_box()
            assert point["width"] >= 24 and point["height"] >= 24, "touch targets of at least 24 px"
        # The card speaks English (left to right); the host's Arabic question still reads right to left.
        assert shadow_eval(page, "return getComputedStyle(root.querySelector('legend')).direction") == "rtl"
        assert shadow_eval(page, "return getComputedStyle(root.querySelector('.pts')).direction") == "ltr"
        assert shadow_eval(page, "return getComputedStyle(root.querySelector('.aw')).animationName") == "none"
        region.get_by_text("7", exact=True).click()
        for selector, ratio in page.evaluate(
            CONTRAST, ["legend", ".ends span", ".fu", ".go", ".p input:checked + span", ".hd span"]
        ):
            assert ratio >= 4.5, f"{selector}: contrast {ratio:.2f} is below WCAG AA"
        shot(page, "320-rtl")
    finally:
        context.close()
