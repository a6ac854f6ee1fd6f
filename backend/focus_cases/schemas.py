"""Request and response shapes (pydantic v2); the OpenAPI document is built from them.

Requests are strict (no type coercion) and forbid unknown fields.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from focus_cases.audit import Action

Kind = Literal[
    "fault",
    "cancellation",
    "tariff",
    "complaint",
    "payment_help",
    "porting_compensation",
    "callback",
    "general",
]
Status = Literal["queued", "open", "in_progress", "resolved", "closed"]


def label(value: str) -> str:
    """What people read for a kind or status: "payment_help" is "Payment help"."""
    return value.replace("_", " ").capitalize()


Channel = Literal["chat", "phone", "email", "staff"]
Role = Literal["agent", "admin"]


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it on every backend alike.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def text(max_length: int, min_length: int = 1) -> Any:
    """A string field stored verbatim: length-bounded, no NUL."""
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
    ]


ShortText = text(200)
LongText = text(2000)


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


# --- customers -----------------------------------------------------------------------


class VerificationSource(Request):
    """Where a verification comes from, so the limits can count per source."""

    conversation_id: ShortText | None = None
    client_address: text(64) | None = Field(
        default=None, description="The customer's address as the bot's channel saw it"
    )


class VerifyRequest(VerificationSource):
    account_number: ShortText
    postcode: ShortText


class ServiceOut(BaseModel):
    id: int
    product: str
    description: str
    tariff_name: str
    monthly_price: str = Field(examples=["49.00"])
    contract_start: date
    contract_end: date


class AccountOut(BaseModel):
    account_number: str
    company_name: str
    contact_name: str
    postcode: str
    services: list[ServiceOut]
    has_email: bool = Field(
        description="Whether the account has an e-mail address (the address is not sent)"
    )
    verified_at: datetime = Field(description="The service's time of this verification")


class Rejection(BaseModel):
    line: int = Field(description="The line of the CSV file (1 is the header)")
    reason: str = Field(examples=["bad postcode 'XX1'"])


class ImportReport(BaseModel):
    """What an accounts import did, or would do on a dry run."""

    imported: bool = Field(description="Whether the file was written (no rejections, no dry run)")
    dry_run: bool
    accounts: int = Field(description="Accounts in the file")
    created: int = Field(description="Of those, new account numbers")
    updated: int = Field(description="Of those, account numbers already known (upserted)")
    services: int = Field(description="Services in the file")
    rejected: list[Rejection] = Field(description="Every rejected row; any one rejects the file")


class ImportQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    dry_run: bool = False


# --- cases: kind-specific details ----------------------------------------------------


class FaultDetails(Request):
    service: ShortText
    description: LongText
    since: ShortText


class CancellationDetails(Request):
    services: list[ShortText] = Field(min_length=1, max_length=50)
    effective_date: date
    reason: LongText | None = None
    early_termination_warning: bool | None = None

    @field_validator("effective_date")
    @classmethod
    def _not_in_past(cls, value: date, info: ValidationInfo) -> date:
        today = (info.context or {}).get("today")
        if today is not None and value < today:
            raise ValueError("must not be in the past")
        return value


class TariffDetails(Request):
    services: list[ShortText] | None = Field(default=None, max_length=50)


class ComplaintDetails(Request):
    summary: LongText


class PaymentHelpDetails(Request):
    summary: LongText | None = None


class PortingCompensationDetails(Request):
    number: text(40)
    summary: LongText | None = None


class CallbackDetails(Request):
    preferred_time: ShortText
    topic: LongText | None = None


class GeneralDetails(Request):
    summary: LongText | None = None


class _CaseCreateBase(Request):
    channel: Channel = "chat"
    customer_words: text(10_000)
    account_number: ShortText | None = None
    postcode: ShortText | None = None
    contact_name: ShortText | None = None
    contact_phone: text(40) | None = None
    conversation_id: ShortText | None = None

    @model_validator(mode="after")
    def _account_pair(self) -> Self:
        if (self.account_number is None) != (self.postcode is None):
            raise ValueError("account_number and postcode must be given together")
        return self


class FaultCase(_CaseCreateBase):
    kind: Literal["fault"]
    details: FaultDetails


class CancellationCase(_CaseCreateBase):
    kind: Literal["cancellation"]
    details: CancellationDetails


class TariffCase(_CaseCreateBase):
    kind: Literal["tariff"]
    details: TariffDetails = Field(default_factory=TariffDetails)


class ComplaintCase(_CaseCreateBase):
    kind: Literal["complaint"]
    details: ComplaintDetails


class PaymentHelpCase(_CaseCreateBase):
    kind: Literal["payment_help"]
    details: PaymentHelpDetails = Field(default_factory=PaymentHelpDetails)


class PortingCompensationCase(_CaseCreateBase):
    kind: Literal["porting_compensation"]
    details: PortingCompensationDetails


class CallbackCase(_CaseCreateBase):
    kind: Literal["callback"]
    details: CallbackDetails


class GeneralCase(_CaseCreateBase):
    kind: Literal["general"]
    details: GeneralDetails = Field(default_factory=GeneralDetails)


AnyCase = (
    FaultCase
    | CancellationCase
    | TariffCase
    | ComplaintCase
    | PaymentHelpCase
    | PortingCompensationCase
    | CallbackCase
    | GeneralCase
)


class CaseCreate(RootModel[Annotated[AnyCase, Field(discriminator="kind")]]):
    """A new case: common fields plus ``details`` validated by ``kind``."""


class CaseLookup(VerificationSource):
    reference: ShortText
    account_number: ShortText
    postcode: ShortText


class StatusChange(Request):
    status: Status
    note: LongText | None = None


class NoteCreate(Request):
    text: LongText


class Assignment(Request):
    username: text(64) | None = Field(description="Who works the case; null: no one")


class CaseQuery(BaseModel):
    """Query string of the staff case list and its CSV export (strings, so not strict)."""

    model_config = ConfigDict(extra="ignore")
    status: Status | None = None
    kind: Kind | None = None
    q: text(100) | None = Field(
        default=None,
        description="Search: a case reference, an account number, part of a company name, "
        "or a phone number",
    )
    mine: bool = Field(default=False, description="Only the cases assigned to the caller")
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


# --- cases: responses ----------------------------------------------------------------


class EventOut(BaseModel):
    id: int
    event: Literal[
        "created",
        "status_changed",
        "note_added",
        "assigned",
        "unassigned",
        "request_linked",
        "tariff_emailed",
        "email_failed",
        "erased",
    ]
    from_status: Status | None
    to_status: Status | None
    note: str | None
    actor: str
    at: datetime


class CaseCreated(BaseModel):
    """What the bot gets back: enough to tell the customer what happens next."""

    reference: str = Field(pattern=r"^FG-\d{8}$")
    kind: Kind
    status: Status
    channel: Channel
    created_at: datetime
    due_at: datetime
    due_at_local: datetime
    due_at_text: str = Field(examples=["09:00 on Monday 30 November"])
    open_now: bool = Field(description="Whether the team was open when the case was made")
    customer_words: str
    account_number: str | None
    contact_name: str | None
    contact_phone: str | None
    conversation_id: str | None
    details: dict[str, Any]
    linked: bool = Field(
        default=False,
        description="This request was added to the account's open case of the same kind "
        "(made within a day) instead of making a new one",
    )


class DueClock(BaseModel):
    """When the team should have acted on a case (its kind's response time, in working
    time), and how that stands now."""

    respond_by: datetime
    overdue: bool = Field(description="Still active and past respond_by")
    due_in_text: str | None = Field(
        description="For an active case: how long is left, or that it is overdue",
        examples=["due in 3 h", "overdue"],
    )


class CaseListItem(DueClock):
    reference: str
    kind: Kind
    status: Status
    channel: Channel
    created_at: datetime
    due_at: datetime
    due_at_text: str
    due_now: bool
    account_number: str | None
    company_name: str | None
    contact_name: str | None
    assigned_to: str | None


class CaseList(BaseModel):
    cases: list[CaseListItem]
    total: int
    limit: int
    offset: int


class CaseDetail(CaseCreated, DueClock):
    company_name: str | None
    assigned_to: str | None
    updated_at: datetime
    created_by: str
    due_now: bool
    events: list[EventOut]


class CaseSummary(BaseModel):
    """What a verified customer may hear about their case."""

    reference: str
    kind: Kind
    status: Status
    created_at: datetime
    due_at: datetime
    due_at_text: str
    last_update: datetime
    last_event: str = Field(examples=["status changed to in_progress"])


class Released(BaseModel):
    released: int


class ErasureRequest(Request):
    """UK GDPR erasure of one account's data or one case's: give exactly one."""

    account_number: ShortText | None = None
    reference: ShortText | None = None
    dry_run: bool = Field(default=False, description="Count what would go, change nothing")

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.account_number is None) == (self.reference is None):
            raise ValueError("give account_number or reference, not both")
        return self


class ErasureOut(BaseModel):
    """What was erased (or, on a dry run, would be)."""

    dry_run: bool
    cases: int = Field(description="Cases anonymised")
    conversations: int = Field(description="Conversations deleted from Rasa's tracker store")
    outbox_entries: int = Field(description="Waiting submissions deleted from the bot's outbox")
    failed_attempts: int = Field(description="Failed verifications deleted")
    summary: str = Field(examples=["3 cases, 2 conversations, 1 outbox entry, 0 failed attempts"])


class OpeningHours(BaseModel):
    """The team's working hours (closed on bank holidays in England and Wales)."""

    working_days: list[str] = Field(
        examples=[["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]]
    )
    opens: str = Field(pattern=r"^\d{2}:\d{2}$", examples=["09:00"])
    closes: str = Field(pattern=r"^\d{2}:\d{2}$", examples=["17:30"])
    timezone: str = Field(examples=["Europe/London"])
    summary: str = Field(
        examples=["Monday to Friday, 09:00 to 17:30 (UK time), closed on bank holidays"]
    )


class HoursOut(OpeningHours):
    """The working hours, whether the team is open now, and when it next opens."""

    open_now: bool
    now: datetime
    next_open: datetime
    closes_at: datetime | None


class KindOut(BaseModel):
    value: Kind
    label: str = Field(examples=["Payment help"])


class StatusOut(BaseModel):
    value: Status
    label: str = Field(examples=["In progress"])
    active: bool = Field(description="Still with the team: in the queue, and can be due")


class Meta(BaseModel):
    """The words the API uses and what staff see for them, with the rules behind the
    console's choices: the kinds, the statuses, the moves between them, the hours."""

    kinds: list[KindOut]
    statuses: list[StatusOut]
    transitions: dict[Status, list[Status]] = Field(
        description="The statuses a case may move to from each status, the likeliest first"
    )
    hours: OpeningHours


class Liveness(BaseModel):
    status: Literal["ok"]


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]


class Summary(BaseModel):
    total: int
    by_kind: dict[str, int]
    by_hour: dict[str, int] = Field(description="Cases made in each hour of day, UK time")
    out_of_hours: int
    out_of_hours_share: float


class ConversationReportQuery(BaseModel):
    """The period, in UK dates, both included (strings, so not strict); default: the
    seven days to today; at most 366 days."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    start: date | None = Field(default=None, alias="from")
    end: date | None = Field(default=None, alias="to")


class DayCount(BaseModel):
    day: date
    messages: int
    not_understood: int


class FormOutcomes(BaseModel):
    form: str = Field(examples=["fault_form"])
    started: int
    completed: int = Field(description="Submitted (or answered) after the summary")
    stopped: int = Field(description='The customer said "stop"')
    gave_up: int = Field(description="Three failed tries, then the phone number offered")
    left: int = Field(description="No end recorded: the customer went away (or is still in it)")
    abandoned: int = Field(description="stopped + gave_up + left")


class NotUnderstood(BaseModel):
    text: str = Field(description="The customer's words (lower case, spaces collapsed)")
    count: int


class ConversationReport(BaseModel):
    """How the bot did with customers in a period, from Rasa's tracker store (staff's
    own "try the bot" conversations left out)."""

    start: date
    end: date
    conversations: int
    messages: int
    not_understood: int = Field(
        description="Messages read as nlu_fallback (top confidence under the "
        "FallbackClassifier's threshold, or two intents too close)"
    )
    fallback_rate: float
    by_day: list[DayCount]
    forms: list[FormOutcomes]
    top_not_understood: list[NotUnderstood] = Field(
        description="The most frequent messages not understood (button payloads left out)"
    )


class VerificationAlert(BaseModel):
    """Failed verifications in the last hour, from every source; ``alert`` above the
    threshold (someone may be guessing account numbers)."""

    failures_last_hour: int
    threshold: int
    alert: bool


# --- staff ---------------------------------------------------------------------------


class Login(Request):
    username: text(64)
    password: text(200)


class Me(BaseModel):
    username: str
    role: Role
    csrf_token: str
    must_change_password: bool = Field(
        description="The password is a one-time one: only POST /api/auth/password "
        "(and logout) may be called until it is changed"
    )


class PasswordChange(Request):
    current_password: text(200)
    new_password: text(200)


class StaffOut(BaseModel):
    username: str
    role: Role
    created_at: datetime
    disabled: bool
    must_change_password: bool


class StaffList(BaseModel):
    staff: list[StaffOut]


class PasswordReset(BaseModel):
    """The account's new one-time password: shown once, never stored in clear."""

    username: str
    one_time_password: str


class AuditQuery(BaseModel):
    """Query string of the audit log (strings, so not strict)."""

    model_config = ConfigDict(extra="ignore")
    action: Action | None = None
    limit: int = Field(default=100, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    action: Action
    actor: str
    target: str | None
    detail: str | None


class AuditList(BaseModel):
    entries: list[AuditEntryOut]
    total: int
    limit: int
    offset: int


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None
    request_id: str | None = None


# --- the bot, for the web pages (Rasa's HTTP API through the service) ----------------


def _local_time(value: str) -> str:
    datetime.fromisoformat(value)  # raises ValueError, reported as a 422
    return value


ConversationId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:@-]{1,128}$")]
TryConversationId = Annotated[str, StringConstraints(pattern=r"^try-[a-z0-9]{8,40}$")]
LocalTime = Annotated[
    str,
    StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$"),
    AfterValidator(_local_time),
]


class WidgetConfig(BaseModel):
    """What the chat widget needs: where Rasa's socket.io is, and the team's hours."""

    socket_url: str = Field(examples=["http://127.0.0.1:5005"])
    socket_path: str = "/socket.io"
    open_now: bool
    next_open_text: str = Field(examples=["09:00 on Monday 30 November"])
    hours_summary: str


class ChatSessionRequest(Request):
    session_id: str | None = Field(
        default=None,
        max_length=200,
        description="The widget's current session id, to renew; none for a new conversation",
    )


class ChatSession(BaseModel):
    """A conversation id for Rasa's socket.io channel, signed by the service."""

    session_id: str = Field(description="The signed id the widget sends to Rasa")
    conversation_id: str = Field(description="The conversation it names (Rasa's sender id)")
    expires_at: datetime = Field(description="Refused after this unless renewed")


class Button(BaseModel):
    title: str
    payload: str


class BotReply(BaseModel):
    text: str | None = None
    buttons: list[Button] = Field(default_factory=list)


class IntentOut(BaseModel):
    name: str
    confidence: float


class EntityOut(BaseModel):
    entity: str
    value: Any
    start: int | None = None
    end: int | None = None
    extractor: str | None = None


class ActionOut(BaseModel):
    name: str
    policy: str | None = None
    confidence: float | None = None


class ConversationEvent(BaseModel):
    kind: Literal["user", "bot", "action"]
    at: datetime | None = None
    text: str | None = None
    intent: IntentOut | None = None
    entities: list[EntityOut] = Field(default_factory=list)
    buttons: list[Button] = Field(default_factory=list)
    action: ActionOut | None = None


class Transcript(BaseModel):
    """A conversation from Rasa's tracker: what was said, and what the bot did."""

    conversation_id: str
    events: list[ConversationEvent]


class TryMessage(Request):
    conversation_id: TryConversationId
    message: text(2000)
    now: LocalTime | None = Field(
        default=None, description="UK local time the bot and case service should assume"
    )


class TryTurn(BaseModel):
    """One turn of "try the bot": the replies and what the bot made of the message."""

    conversation_id: str
    message: str
    now: str | None
    clock_override_honoured: bool = Field(
        description="Whether the chosen time is honoured (FOCUS_ALLOW_CLOCK_OVERRIDE, and "
        "FOCUS_SESSION_SECRET to sign it for the bot)"
    )
    replies: list[BotReply]
    intent: IntentOut | None
    intent_ranking: list[IntentOut]
    entities: list[EntityOut]
    slots: dict[str, Any] = Field(description="Slots with a value (the fact_* constants left out)")
    actions: list[ActionOut] = Field(description="The actions the bot took after this message")
    active_loop: str | None


class StoryQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: text(100) | None = None


class StoryOut(BaseModel):
    """A Rasa test story (YAML) to add to tests/stories/."""

    conversation_id: str
    filename: str
    yaml: str
