"""Redaction of a conversation saved as a test story: names, phone numbers, postcodes,
account numbers and e-mail addresses become fictional ones of the same shape, in the
customer's turns and in slot values alike, so the story still reads and runs the same
in `rasa test` (the entity rules still tag what replaced them).

Names are the ones the conversation itself gave (the contact name slot, also inside the
verified account's slot): free text cannot be searched for names reliably, but every
name a form asked for lands there. A company's name is not a person's and is kept.
"""

import re

FAKE_ACCOUNT = "FG000000"
FAKE_POSTCODE = "ZZ99 9ZZ"
FAKE_EMAIL = "customer@example.com"
FAKE_PHONE_DIGITS = "07700900000"
"""Ofcom's range for drama (07700 900000 to 900999): never a real customer's."""
FAKE_NAME = "Alex Example"

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
ACCOUNT = re.compile(r"\bFG\s?\d{6}\b", re.IGNORECASE)
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
PHONE = re.compile(r"(?<![\w+])(?:\+44[\s-]?|0)\d(?:[\s-]?\d){8,9}\b")
NAME_SLOT = re.compile(
    r"""^\s*(?:-\s*)?["']?contact_name["']?:\s*["']?(?P<name>[^"'\n]+?)["']?\s*$""",
    re.MULTILINE,
)
KEPT_LINE = re.compile(r"^\s*(?:#|- story:|(?:-\s*)?fact_\w+:)")
"""Comments and the story's name (the conversation id), and the company's own facts
(its phone numbers are slots too): not the customer's data."""


def _phone(match: re.Match[str]) -> str:
    """The fictional number in the same layout (spaces, +44) as the real one."""
    fake = iter(FAKE_PHONE_DIGITS[1:] if match[0].startswith("+44") else FAKE_PHONE_DIGITS)
    prefix = "+44" if match[0].startswith("+44") else ""
    return prefix + "".join(
        next(fake, "0") if c.isdigit() else c for c in match[0].removeprefix(prefix)
    )


def _names(story: str) -> list[str]:
    """The names the conversation gave, longest first; each whole, then each word of
    three or more letters (a customer may give only a first name later)."""
    whole = {m["name"].strip() for m in NAME_SLOT.finditer(story)} - {"null", "~", ""}
    words = {w for name in whole for w in name.split() if len(w) >= 3}
    return sorted(whole | words, key=len, reverse=True)


def redact_text(text: str, names: list[str]) -> str:
    """``text`` with every name in ``names`` and every e-mail, account number,
    postcode and phone number replaced by a fictional one."""
    text = EMAIL.sub(FAKE_EMAIL, text)
    text = ACCOUNT.sub(FAKE_ACCOUNT, text)
    text = POSTCODE.sub(FAKE_POSTCODE, text)
    text = PHONE.sub(_phone, text)
    for name in names:
        # A whole name in any case; a single word only as written (a "Will" or a "Rose"
        # is an ordinary word in lower case).
        whole = " " in name
        fake = FAKE_NAME if whole else FAKE_NAME.split()[0]
        flags = re.IGNORECASE if whole else 0
        text = re.sub(rf"\b{re.escape(name)}\b", fake, text, flags=flags)
    return text


def redact_story(story: str) -> str:
    """A Rasa YAML story with the customer's personal data replaced, line by line (the
    story's layout, intents and actions are untouched)."""
    names = _names(story)
    return "".join(
        line if KEPT_LINE.match(line) else redact_text(line, names)
        for line in story.splitlines(keepends=True)
    )
