"""An opening message is the fault (or complaint) only when it says what is wrong."""

import pytest

from bot.actions.free_text import describes_matter, looks_like_question


@pytest.mark.parametrize(
    ("text", "products"),
    [
        ("our broadband's been down since 8 this morning", ["broadband"]),
        ("phones are dead", ["phones"]),
        ("SIP trunk down, no calls in or out!!", ["SIP trunk"]),
        ("the leased line keeps dropping every afternoon", ["leased line"]),
        ("internet is crawling, pages take a minute to load", ["internet"]),
        ("i want to complain, the engineer never turned up and we lost a day", []),
        ("we can't pay this month's bill until our client pays us", []),
        ("our number port was due on the 3rd and finished on the 20th", []),
    ],
)
def test_a_description_is_taken(text, products):
    assert describes_matter(text, products)


@pytest.mark.parametrize(
    ("text", "products"),
    [
        ("I'd like to report a problem", []),
        ("report a fault", []),
        ("report a fault on my phone line", ["phone line"]),
        ("we have an issue with our broadband please help", ["broadband"]),
        ("I want to make a complaint", []),
        ("need help paying my bill", []),
        ("hi, can someone help me with a problem?", []),
    ],
)
def test_a_bare_request_is_not_a_description(text, products):
    assert not describes_matter(text, products)


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("what time do you close?", True),
        ("whats your address", True),
        ("is that on the bill", True),
        ("your postal address?", True),
        ("moving offices", False),
        ("we found a cheaper deal elsewhere", False),
        ("the address on the bill is wrong", False),
    ],
)
def test_only_a_question_interrupts_a_free_text_answer(text, question):
    assert looks_like_question(text) is question
