"""The shared base of every form: one place for how forms behave.

A simple form is data: a subclass of ``FocusForm`` names its form, the case kind it
submits, the lines of its summary, the case details and the next steps, and adds
``extract_<slot>``/``validate_<slot>`` methods only where a slot needs them. The base
gives every form the same conduct:
- "stop" ends the form and nothing is sent; an FAQ question mid-form is answered
  and the same question is asked again;
- free-text slots take the customer's words verbatim when asked for them;
- an answer that cannot be used gets a specific re-ask, and after three failed
  tries at one question the bot offers the phone number and a callback instead;
- the account number and postcode are checked together with the case service
  before anything about the account is used or disclosed; after three failed pairs
  in a session the bot offers the phone number and a callback; a check older than
  15 minutes is made again before a form uses it.
"""

import re
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any, ClassVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from bot.actions import clock
from bot.actions.backend import (
    NotVerified,
    Rejected,
    TooManyAttempts,
    Unavailable,
    for_conversation,
    verification_source,
)
from bot.actions.free_text import describes_matter, looks_like_question
from bot.actions.submission import base_case, submit

MAX_TRIES = 3
# Failed account pairs in a session before the bot stops asking (the case service
# refuses a fourth from the same conversation anyway).
MAX_PAIRS = 3
# How long a verification may be used before it is checked again.
VERIFIED_FOR = timedelta(minutes=15)
IDENTITY = ("account_number", "postcode", "account")
NAME_PREFIX = re.compile(r"^(it'?s|its|my name is|i'?m|this is|name is|name:)\s+", re.IGNORECASE)
STOPPED, GAVE_UP = "stopped", "gave_up"
# Questions answered mid-form, after which the form asks its question again.
DIGRESSION_RESPONSES = {"bot_challenge": "utter_iamabot", "request_human": "utter_request_human"}
# Intents whose message is never taken as a free-text answer.
NOT_AN_ANSWER = {"stop", "affirm", "deny", "greet", "thank", "goodbye", "bot_challenge"}


def digression_response(intent: str | None) -> str | None:
    if intent and intent.startswith("faq_"):
        return f"utter_{intent}"
    return DIGRESSION_RESPONSES.get(intent or "")


class SlotText(Mapping[str, str]):
    """A tracker's slots as text for ``str.format_map``: lists joined, None as "-"."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker

    def __getitem__(self, slot: str) -> str:
        value = self.tracker.get_slot(slot)
        if isinstance(value, list):
            return ", ".join(map(str, value))
        return "-" if value is None else str(value)

    def __iter__(self) -> Iterator[str]:
        return iter(self.tracker.slots)

    def __len__(self) -> int:
        return len(self.tracker.slots)


class FocusForm(FormValidationAction):
    """Validation for one form; subclasses are registered by form name.

    The class attributes below are what a simple form declares. ``summary`` and
    ``next_steps`` are templates over the slots (``{contact_name}``).
    """

    form: ClassVar[str] = ""
    kind: ClassVar[str] = ""
    """The case kind a completed form submits; empty for a form that submits none."""
    free_text: ClassVar[frozenset[str]] = frozenset()
    """Slots that take the customer's words verbatim when asked for."""
    declines: ClassVar[dict[str, re.Pattern[str]]] = {}
    """Optional slots and the words that leave them out ("skip", "none"). Said when the
    slot is asked for, such a word answers it, whatever intent the classifier gave it:
    the bot itself offers "skip", and it must not be taken for "stop"."""
    opening_slot: ClassVar[str | None] = None
    """A free-text slot taken from the message that opened the form, when that
    message says what the matter is (free_text.describes_matter); else it is asked."""
    heading: ClassVar[str] = ""
    """The first line of the summary the customer confirms."""
    summary_lines: ClassVar[dict[str, str]] = {}
    """Label -> template, one line each of the summary."""
    details: ClassVar[dict[str, str]] = {}
    """The case's details: key -> slot."""
    next_steps: ClassVar[str] = ""
    """What the customer is told happens next, after the reference."""
    registry: ClassVar[dict[str, type["FocusForm"]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.form:
            FocusForm.registry[cls.form] = cls

    def name(self) -> str:
        return f"validate_{self.form}"

    # --- what a form does with its answers: overridden only where data is not enough ---

    def summary(self, tracker: Tracker) -> str:
        """What the customer confirms before the form submits."""
        slots = SlotText(tracker)
        lines = [
            f"- {label}: {template.format_map(slots)}"
            for label, template in self.summary_lines.items()
        ]
        return "\n".join([self.heading, *lines])

    def case_details(self, tracker: Tracker) -> dict[str, Any]:
        return {key: tracker.get_slot(slot) for key, slot in self.details.items()}

    async def finish(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Runs once the form is complete and confirmed: the case is submitted."""
        case = base_case(tracker, self.form, self.kind)
        case["details"] = self.case_details(tracker)
        await submit(dispatcher, tracker, self.form, case, self.next_steps_text(tracker))
        return []

    def next_steps_text(self, tracker: Tracker) -> str:
        """What the customer is told happens next: ``next_steps`` over the slots."""
        return self.next_steps.format_map(SlotText(tracker))

    # --- the shared conduct --------------------------------------------------------

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot("form_outcome") in (STOPPED, GAVE_UP):
            return []
        return domain_slots

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = tracker.get_intent_of_latest_message()
        requested = tracker.get_slot("requested_slot")
        text = tracker.latest_message.get("text") or ""
        if intent == "stop" and not self.declined(requested, text):
            dispatcher.utter_message(response="utter_stopped")
            return [SlotSet("form_outcome", STOPPED), SlotSet("requested_slot", None)]
        response = digression_response(intent)
        answered = requested in self.free_text and not looks_like_question(text)
        if requested and response and not answered:
            dispatcher.utter_message(response=response)
            # Setting the asked slot (still empty) keeps the form going: it asks again.
            return [SlotSet(requested, None)]
        forgotten: list[EventType] = []
        if not requested and await self._verification_expired(tracker):
            # A form starting with an old check asks for the pair again.
            dispatcher.utter_message(response="utter_verify_again")
            forgotten = [SlotSet(slot, None) for slot in IDENTITY]
            tracker.add_slots(forgotten)
        events = await super().run(dispatcher, tracker, domain)
        events = forgotten + events
        return events + self._count_failures(dispatcher, tracker, domain, requested, events)

    def _count_failures(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        requested: str | None,
        events: list[EventType],
    ) -> list[EventType]:
        ended = any(e.get("event") == "slot" and e.get("name") == "form_outcome" for e in events)
        if not requested or ended:
            return []
        filled = any(
            e.get("event") == "slot" and e.get("name") == requested and e.get("value") is not None
            for e in events
        )
        if filled:
            return [SlotSet("form_failures", 0)]
        if set(tracker.slots_to_validate()) - {requested}:
            return []  # a correction to an earlier answer: not a failed try
        if requested not in tracker.slots_to_validate():
            explanation = f"utter_explain_{requested}"
            if explanation in domain.get("responses", {}):
                dispatcher.utter_message(response=explanation)
        failures = int(tracker.get_slot("form_failures") or 0) + 1
        if failures < MAX_TRIES:
            return [SlotSet("form_failures", failures)]
        dispatcher.utter_message(response="utter_offer_help")
        return [
            SlotSet("form_failures", 0),
            SlotSet("form_outcome", GAVE_UP),
            SlotSet("requested_slot", None),
        ]

    def declined(self, requested: str | None, text: str) -> bool:
        """Whether ``text`` leaves out the optional slot being asked for."""
        words = self.declines.get(requested or "")
        return bool(words and words.match(text.strip()))

    async def extract_free_text(self, tracker: Tracker) -> dict[str, Any]:
        """The customer's words for the free-text slot being asked for, or for the
        opening slot when the message that opened the form describes the matter."""
        requested = tracker.get_slot("requested_slot")
        text = (tracker.latest_message.get("text") or "").strip()
        intent = tracker.get_intent_of_latest_message()
        if not text or text.startswith("/") or intent in NOT_AN_ANSWER:
            return {}
        if requested is None:
            slot = self.opening_slot
            products = [
                text[entity["start"] : entity["end"]]
                for entity in tracker.latest_message.get("entities", [])
                if entity["entity"] == "product" and "start" in entity
            ]
            if slot and not tracker.get_slot(slot) and describes_matter(text, products):
                return {slot: text}
            return {}
        if requested in self.free_text and not (
            digression_response(intent) and looks_like_question(text)
        ):
            return {requested: text}
        return {}

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        if any(event.get("name") == tracker.get_slot("requested_slot") for event in events):
            return events  # a form's own extraction (a date, a product) wins
        return events + [SlotSet(k, v) for k, v in (await self.extract_free_text(tracker)).items()]

    # --- confirmation before submitting -----------------------------------------

    async def extract_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "confirmed":
            return {}
        answer = {"affirm": True, "deny": False}.get(tracker.get_intent_of_latest_message() or "")
        return {} if answer is None else {"confirmed": answer}

    async def validate_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is True:
            return {"confirmed": True}
        dispatcher.utter_message(response="utter_what_to_change")
        return {"confirmed": None}

    # --- account verification -------------------------------------------------------

    async def validate_account_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await self._verify(dispatcher, tracker, value, tracker.get_slot("postcode"))

    async def validate_postcode(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await self._verify(dispatcher, tracker, tracker.get_slot("account_number"), value)

    async def _verify(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        account_number: str | None,
        postcode: str | None,
    ) -> dict[str, Any]:
        """Check the pair once both are known; until then keep what was given."""
        if not account_number or not postcode:
            return {"account_number": account_number, "postcode": postcode}
        known = tracker.get_slot("account") or {}
        if known.get("account_number") == account_number and known.get("postcode") == postcode:
            return {}
        try:
            account = await for_conversation(tracker).verify(
                account_number, postcode, verification_source(tracker)
            )
        except (NotVerified, Rejected):  # no such pair, or a pair that cannot be one
            failures = int(tracker.get_slot("verification_failures") or 0) + 1
            if failures >= MAX_PAIRS:
                dispatcher.utter_message(response="utter_offer_help")
                return self._give_up(verification_failures=failures)
            dispatcher.utter_message(response="utter_not_verified")
            return {**dict.fromkeys(IDENTITY), "verification_failures": failures}
        except TooManyAttempts:
            dispatcher.utter_message(response="utter_verification_locked")
            return self._give_up()
        except Unavailable:
            # Carry on unverified; the case service checks the pair on delivery.
            account = {"pending": True}
        account.update(account_number=account_number, postcode=postcode)
        return {"account_number": account_number, "postcode": postcode, "account": account}

    @staticmethod
    def _give_up(**slots: Any) -> dict[str, Any]:
        """End the form unverified: what was given for the pair is dropped."""
        return {
            **dict.fromkeys(IDENTITY),
            **slots,
            "form_outcome": GAVE_UP,
            "requested_slot": None,
        }

    async def _verification_expired(self, tracker: Tracker) -> bool:
        """Whether the kept verification is older than VERIFIED_FOR, by the case
        service's clock (a pending, unverified account has no time and is kept)."""
        verified_at = (tracker.get_slot("account") or {}).get("verified_at")
        if not verified_at:
            return False
        now = await clock.now(for_conversation(tracker))
        return now - clock.parse(verified_at) > VERIFIED_FOR

    # --- slots more than one form asks for ------------------------------------------

    async def validate_contact_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A person's name: letters, 2 to 80 characters, without "my name is"."""
        name = NAME_PREFIX.sub("", str(value).strip()).strip(" .")
        if 2 <= len(name) <= 80 and re.search(r"[^\W\d_]", name) and not re.search(r"\d", name):
            return {"contact_name": name}
        dispatcher.utter_message(response="utter_explain_contact_name")
        return {"contact_name": None}

    # --- helpers for subclasses -----------------------------------------------------

    @staticmethod
    def account_services(tracker: Tracker) -> list[dict[str, Any]]:
        return (tracker.get_slot("account") or {}).get("services") or []

    def on_account(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, chosen: list[str]
    ) -> bool:
        """Whether every chosen product is on the verified account (if one is known)."""
        products = [service["product"] for service in self.account_services(tracker)]
        if chosen and (not products or set(chosen) <= set(products)):
            return True
        dispatcher.utter_message(
            response="utter_service_not_on_account", services=", ".join(products)
        )
        return False
