"""The company's contact facts (phone, e-mail, hours, website), as the bot states them.

One place for each fact: the ``fact_*`` slots in the bot's domain.yml. The case
service does not have the bot's YAML library, and those slots have one regular
shape, so their ``initial_value`` lines are read directly (like products.py reads
the catalogue): an e-mail signs off with the same number the bot gives.
"""

import re

from focus_cases.db import BACKEND_DIR

DOMAIN = BACKEND_DIR.parent / "domain.yml"
_FACT = re.compile(
    r'^  (fact_\w+):\n(?:    (?!initial_value).*\n)*?    initial_value: "([^"]*)"', re.MULTILINE
)


def _facts() -> dict[str, str]:
    facts = dict(_FACT.findall(DOMAIN.read_text(encoding="utf-8")))
    missing = {"fact_phone", "fact_email", "fact_hours", "fact_website"} - facts.keys()
    if missing:
        raise RuntimeError(f"no {', '.join(sorted(missing))} slot in {DOMAIN}")
    return facts


_FACTS = _facts()
PHONE = _FACTS["fact_phone"]
EMAIL = _FACTS["fact_email"]
HOURS = _FACTS["fact_hours"]
WEBSITE = _FACTS["fact_website"]
