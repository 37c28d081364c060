"""More of the field-reading corpus: every person answered, sign-offs, banners, partial consent, loose dates.

Imported by make_samples.py beside make_corpus.py; each message has a row in manifest.toml.
Rows with an `outcome` run in tests/intake/test_corpus_fields.py (one poll); the rows whose
meaning depends on an earlier message (a chaser after a plan, a reply to our acknowledgement,
with `@@ACK@@` standing for its Message-ID) run step by step in
tests/intake/test_every_person_answered.py. People and addresses are invented.
"""

from __future__ import annotations

from make_corpus import _crlf, _lines, _plan, apple_html, apple_text, gmail, outlook

WELSH_DISCLAIMER = (
    "Rydym yn croesawu gohebiaeth yn Gymraeg. Byddwn yn ateb gohebiaeth Gymraeg yn Gymraeg heb oedi.\n"
    "We welcome correspondence in Welsh. Correspondence received in Welsh will be answered in Welsh without delay."
    "\n\nMae'r neges e-bost hon ac unrhyw atodiadau yn gyfrinachol ac wedi'u bwriadu ar gyfer y derbynnydd "
    "yn unig. Os nad chi yw'r derbynnydd, rhowch wybod i'r anfonwr a dilewch y neges.\n"
    "This email and any attachments are confidential and intended solely for the addressee. If you are not the "
    "intended recipient, please tell the sender and delete the message."
)
CAUTION_BANNER = (
    "CAUTION: This email originated from outside of the organisation. Do not click links or open attachments "
    "unless you recognise the sender and know the content is safe."
)


def _form(title: str, lead: str, address: str, summary: str, **more: str) -> str:
    return _lines(_plan(title, "Primary Care", "Selby", lead, address, summary, **more))


# ---------------------------------------------------------------- only the member's words


def html_form_first_name() -> bytes:
    """The demo's shape: an HTML body form, the last answer, then the sign-off name on its own."""
    rows = _plan(
        "Carers' drop-in at the memory clinic",
        "Primary Care",
        "Leeds",
        "Helen Okafor",
        "helen.okafor@example.nhs.test",
        "A weekly drop-in for carers while the person they care for is seen.",
    )
    html = "<html><body><p>Hi,</p>" + "".join(f"<p><b>{label}:</b> {value}</p>" for label, value in rows)
    html += "<p>Helen</p></body></html>"
    return apple_html("firstname1", "helen.okafor@example.nhs.test", "Helen Okafor", "Carers drop-in plan", html)


def iphone_sent_from() -> bytes:
    text = _form("Memory walks in the park", "Lia Moreau", "lia.moreau@example.org", "Walks with a nurse once a month.")
    text = "Hello\n\n" + text.replace("Share externally: No", "Share externally: Yes") + "\n\nSent from my iPhone"
    return apple_text("sentfrom1", "lia.moreau@example.org", "Lia Moreau", "Memory walks", text)


def outlook_ios() -> bytes:
    text = _form(
        "Music in day centres", "Omar Haddad", "omar.haddad@example.nhs.test", "Live music every Friday afternoon."
    )
    text += "\nLearning: People who rarely speak sang along.\n\nGet Outlook for iOS"
    return outlook("outlookios1", "omar.haddad@example.nhs.test", "Omar Haddad", "Music in day centres", text)


def mobile_signature() -> bytes:
    text = _form("Falls checks at home", "Sam Patel", "sam.patel@example.org", "Physio visits within a week of a fall.")
    text += "\n\nSam\n07700 900456\nSent from my Samsung Galaxy smartphone."
    return gmail("mobilesig1", "sam.patel@example.org", "Sam Patel", "Falls checks", text)


def welsh_disclaimer() -> bytes:
    text = _form(
        "Dementia-friendly GP surgeries",
        "Gwen Price",
        "gwen.price@wales.nhs.test",
        "Quiet waiting areas and longer appointments.",
    )
    text += "\nLearning: Reception staff training mattered most.\n\n" + WELSH_DISCLAIMER
    return outlook("welshdisc1", "gwen.price@wales.nhs.test", "Gwen Price", "Cynllun / Plan - GP surgeries", text)


def caution_banner_top() -> bytes:
    text = _form(
        "Hearing checks before memory tests",
        "Tom Ash",
        "tom.ash@example.org",
        "Check hearing before memory tests.",
    )
    text = CAUTION_BANNER + "\n\nHi,\n\n" + text + "\n\nThanks\nTom"
    html = (
        '<html><body><table><tr><td style="background:#ffeb9c"><b>CAUTION:</b> This email originated from '
        "outside of the organisation. Do not click links or open attachments unless you recognise the sender "
        "and know the content is safe.</td></tr></table>"
        + "".join(f'<p class="MsoNormal">{line}</p>' for line in text.split("\n")[2:])
        + "</body></html>"
    )
    return outlook("caution1", "tom.ash@example.org", "Tom Ash", "Hearing checks plan", text, html=html)


# ---------------------------------------------------------------- consent


def partial_consent(slug: str, answer: str, title: str) -> bytes:
    text = _form(title, "Ruth Kemp", f"{slug}@example.org", "Nurse-led reviews after diagnosis.")
    text = "Hello,\n\n" + text.replace("Share externally: No", f"Share externally: {answer}") + "\n\nKind regards\nRuth"
    return gmail(slug, f"{slug}@example.org", "Ruth Kemp", title, text)


# ---------------------------------------------------------------- dates


def loose_dates(slug: str, title: str, commenced: str, completion: str) -> bytes:
    text = _form(title, "Dee Walsh", f"{slug}@example.org", "Clinics closer to home.", commenced=commenced)
    text += f"\nCompletion date: {completion}\n\nThanks\nDee"
    return apple_text(slug, f"{slug}@example.org", "Dee Walsh", title, text)


# ---------------------------------------------------------------- every person answered


def _simple(slug: str, sender: str, name: str, subject: str, text: str, to: str = "mln@example.org", extra: str = ""):  # type: ignore[no-untyped-def]
    return _crlf(f"""From: {name} <{sender}>
To: {to}
Subject: {subject}
Date: Fri, 2 Oct 2026 08:30:00 +0100
Message-ID: <{slug}@mail.example.org>
{extra}MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

{text}
""")


def chaser_no_plans() -> bytes:
    return _simple(
        "chaser-none-1", "nia.jones@example.org", "Nia Jones", "Improvement plan", "Hi, did you get my plan?\n\nNia"
    )


def many_forms() -> bytes:
    forms = "\n\n".join(
        _form(f"Ward huddles {i}", "Kit Lowe", "kit.lowe@example.org", f"Daily huddles on ward {i}.")
        for i in range(1, 52)
    )
    return gmail("manyforms1", "kit.lowe@example.org", "Kit Lowe", "All our ward plans", "All of them:\n\n" + forms)


def confirm_old_link() -> bytes:
    """A reply to a confirmation whose signed token is not ours (a forged or long-expired link)."""
    token = "A" * 37
    return _simple(
        "confirm-old-1",
        "rhys.evans@example.org",
        "Rhys Evans",
        "Re: Please confirm your subscription to the MLN Bulletin",
        "Yes please.",
        to=f"MLN Bulletin <bulletin+confirm-{token}@example.org>",
        extra="In-Reply-To: <confirm-old@example.org>\n",
    )


def confirm_no_token() -> bytes:
    """A reply quoting the confirm address so badly that no token survives."""
    return _simple(
        "confirm-none-1",
        "ffion.hughes@example.org",
        "Ffion Hughes",
        "Re: Please confirm your subscription",
        "Yes, add me please.\n\n> reply to bulletin+confirm-(link removed)@example.org",
    )


def consent_yes_unmatched() -> bytes:
    """A YES in reply to an acknowledgement we have no record of."""
    return _simple(
        "consent-unmatched-1",
        "ola.ade@example.org",
        "Ola Ade",
        "Re: Thank you for your improvement plan",
        "Yes, happy to share.\n\nOla",
        extra="In-Reply-To: <not-one-of-ours@example.org>\n",
    )


# Step by step (tests/intake/test_every_person_answered.py): a plan, then mail about it.
def step_plan() -> bytes:
    text = "Hello,\n\n" + _form(
        "Peer support for younger people with dementia",
        "Kim Shaw",
        "kim.shaw@example.org",
        "A monthly group for people diagnosed under 65.",
    )
    return apple_text("step-plan-1", "kim.shaw@example.org", "Kim Shaw", "Young onset peer support", text)


def step_partial_yes() -> bytes:
    return _simple(
        "step-partial-1",
        "kim.shaw@example.org",
        "Kim Shaw",
        "Re: Young onset peer support",
        "Yes, but not my email address\n\nKim",
        extra="In-Reply-To: <@@ACK@@>\nReferences: <@@ACK@@>\n",
    )


def step_chaser() -> bytes:
    return _simple(
        "step-chaser-1", "kim.shaw@example.org", "Kim Shaw", "Young onset", "Hi, did you get my plan?\n\nThanks\nKim"
    )


ANSWERS_CORPUS = {
    "apple-html-form-first-name.eml": html_form_first_name,
    "apple-body-form-sent-from-iphone.eml": iphone_sent_from,
    "outlook-body-form-outlook-ios.eml": outlook_ios,
    "gmail-body-form-mobile-signature.eml": mobile_signature,
    "outlook-body-form-welsh-disclaimer.eml": welsh_disclaimer,
    "outlook-caution-banner-top.eml": caution_banner_top,
    "gmail-consent-yes-but.eml": lambda: partial_consent("yesbut1", "Yes, but not my email address", "Reviews A"),
    "gmail-consent-internal-only.eml": lambda: partial_consent("internal1", "Yes - internal only", "Reviews B"),
    "apple-dates-season-month-end.eml": lambda: loose_dates("dates1", "Clinics A", "Spring 2025", "end of March 2026"),
    "apple-dates-span-fy.eml": lambda: loose_dates("dates2", "Clinics B", "March-April 2025", "2025/26"),
    "apple-dates-short-year-tbc.eml": lambda: loose_dates("dates3", "Clinics C", "Sept 25", "TBC"),
    "apple-dates-ongoing-na.eml": lambda: loose_dates("dates4", "Clinics D", "ongoing", "N/A"),
    "plain-chaser-no-plans.eml": chaser_no_plans,
    "gmail-51-forms-in-body.eml": many_forms,
    "plain-confirm-old-link.eml": confirm_old_link,
    "plain-confirm-no-token.eml": confirm_no_token,
    "plain-consent-yes-unmatched.eml": consent_yes_unmatched,
    "step-plan.eml": step_plan,
    "step-partial-yes.eml": step_partial_yes,
    "step-chaser.eml": step_chaser,
}
