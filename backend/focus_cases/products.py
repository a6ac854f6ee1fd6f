"""The products the company sells, by their canonical names.

One list for the whole project: the bot's catalogue (bot/nlp/catalogue.py), whose keys
are the names its ``product`` entity carries. The case service lives in the same
repository but not in the bot's environment, so it reads that file's literal instead
of importing it: an account imported here names its services exactly as the bot does.
"""

import ast
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from focus_cases.db import BACKEND_DIR

CATALOGUE = BACKEND_DIR.parent / "bot" / "nlp" / "catalogue.py"


def _catalogue_names() -> frozenset[str]:
    for node in ast.parse(CATALOGUE.read_text(encoding="utf-8")).body:
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "PRODUCTS"
            and node.value is not None
        ):
            return frozenset(ast.literal_eval(node.value))
    raise RuntimeError(f"no PRODUCTS literal in {CATALOGUE}")


PRODUCTS = _catalogue_names()


class ServiceLine(NamedTuple):
    """One service on an account, as an import row gives it and an e-mail lists it."""

    product: str
    description: str
    tariff_name: str
    monthly_price: Decimal
    contract_start: date
    contract_end: date
