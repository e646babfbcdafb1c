"""The goals contract: cycles, strategy themes, objectives with key results, negotiation,
signatures, amendments, progress and templates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, PlainSerializer

from shared_schemas.common import Day, PersonRef, ReadModel, WholeNumber, WriteModel, refuse_null

# Metric values travel as decimal strings ("1250000.50"): no float rounding on the way.
Metric = Annotated[
    Decimal,
    Field(max_digits=18, decimal_places=4, allow_inf_nan=False),
    PlainSerializer(lambda v: format(v.normalize(), "f"), return_type=str, when_used="json"),
]

CycleKind = Literal["year", "half", "quarter"]
GoalLevel = Literal["company", "department", "team", "individual"]
GoalState = Literal["draft", "proposed", "in_discussion", "agreed", "active", "closed", "withdrawn"]
MetricKind = Literal["number", "percent", "currency", "milestone", "yes_no"]
Direction = Literal["increase", "decrease"]
# The measurable standard of a key result: at least one of these (the second question).
Standard = Literal["time", "quantity", "quality", "cost"]
Priority = Literal["high", "medium", "low"]
Visibility = Literal["private", "public"]
Pace = Literal["not_started", "on_track", "at_risk", "behind", "done"]
ProgressSource = Literal["manual", "checkin", "integration"]
TransitionAction = Literal["propose", "activate", "withdraw", "close"]
# The guide's open questions, offered as prompts in the comment thread.
CommentPrompt = Literal["biggest_challenge", "support_from_me", "if_reality_changes"]
SignerRole = Literal["employee", "manager"]
VersionStatus = Literal["open", "agreed", "superseded", "withdrawn"]


class GoalRights(ReadModel):
    """What the viewer may set up in the goals domain, so the app offers only that."""

    # Cycles, strategy themes and company objectives.
    plan: bool
    # Departments whose objectives the viewer may set.
    department_ids: list[UUID]
    templates: bool
    integrations: bool


# --- cycles and strategy themes -----------------------------------------------------------------


class CycleRead(ReadModel):
    id: UUID
    name: str
    kind: CycleKind
    starts_on: date
    ends_on: date


class CycleCreate(WriteModel):
    name: str = Field(min_length=1, max_length=100)
    kind: CycleKind
    starts_on: Day
    ends_on: Day


class CycleUpdate(WriteModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    starts_on: Day | None = None
    ends_on: Day | None = None

    _not_null = refuse_null("name", "starts_on", "ends_on")


class ThemeRead(ReadModel):
    id: UUID
    cycle_id: UUID
    name: str
    description: str
    position: int


class ThemeCreate(WriteModel):
    cycle_id: UUID
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    position: WholeNumber = Field(default=0, ge=0, le=1000)


class ThemeUpdate(WriteModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    position: WholeNumber | None = Field(default=None, ge=0, le=1000)

    _not_null = refuse_null("name", "description", "position")


# --- goal content (what is negotiated and signed) -----------------------------------------------


class MilestoneIn(WriteModel):
    due_on: Day
    expected_value: Metric


class KeyResultIn(WriteModel):
    """A key result as written; `id` names an existing one when a goal is changed."""

    id: UUID | None = None
    title: str = Field(min_length=1, max_length=300)
    metric_kind: MetricKind = "number"
    start_value: Metric = Decimal(0)
    target_value: Metric = Decimal(1)
    unit: str = Field(default="", max_length=20)
    direction: Direction = "increase"
    due_on: Day
    weight: WholeNumber = Field(default=100, ge=0, le=100)
    standards: list[Standard] = Field(default_factory=list, max_length=4)
    # Explicit checkpoints for the pace; without them the expected value is a straight line.
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=24)


class SupportIn(WriteModel):
    """The fourth question: what support the goal needs, and from whom."""

    needed: str = Field(default="", max_length=2000)
    from_person_id: UUID | None = None
    from_department_id: UUID | None = None


class GoalFields(WriteModel):
    """What a new goal and a goal template both say."""

    cycle_id: UUID
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=4000)
    theme_id: UUID | None = None
    parent_id: UUID | None = None
    weight: WholeNumber = Field(default=0, ge=0, le=100)
    priority: Priority = "medium"
    support: SupportIn = Field(default_factory=SupportIn)


class GoalCreate(GoalFields):
    level: GoalLevel = "individual"
    # For individual goals: whose goal (default: me; a manager may draft one for a report).
    owner_id: UUID | None = None
    department_id: UUID | None = None
    visibility: Visibility = "private"
    key_results: list[KeyResultIn] = Field(default_factory=list, max_length=10)


class GoalUpdate(WriteModel):
    """Changes to a goal's content; omitted fields stay. `key_results`, when given, is the
    complete new list (existing ones by `id`)."""

    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=4000)
    # Null clears these two.
    theme_id: UUID | None = None
    parent_id: UUID | None = None
    weight: WholeNumber | None = Field(default=None, ge=0, le=100)
    priority: Priority | None = None
    # Null here changes nothing, as leaving it out does.
    support: SupportIn | None = None
    visibility: Visibility | None = None
    key_results: list[KeyResultIn] | None = Field(default=None, max_length=10)

    _not_null = refuse_null("title", "description", "weight", "priority", "visibility")


class AmendmentCreate(WriteModel):
    changes: GoalUpdate
    reason: str = Field(min_length=1, max_length=2000)


class TransitionRequest(WriteModel):
    action: TransitionAction
    # `close`: the final score, 0-100 %.
    score: WholeNumber | None = Field(default=None, ge=0, le=100)
    reason: str = Field(default="", max_length=2000)


class SignatureCreate(WriteModel):
    """The signer confirms the exact version they read: a changed goal is not signed blindly."""

    version: WholeNumber = Field(ge=1)
    content_hash: str = Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")


# --- reads --------------------------------------------------------------------------------------


class MilestoneRead(ReadModel):
    due_on: date
    expected_value: Metric


class KeyResultRead(ReadModel):
    id: UUID
    title: str
    metric_kind: MetricKind
    start_value: Metric
    target_value: Metric
    current_value: Metric
    unit: str
    direction: Direction
    due_on: date
    weight: int
    standards: list[Standard]
    milestones: list[MilestoneRead]
    # 0..1 of the way from start to target, now and as the plan expects today.
    progress: float
    expected_progress: float
    pace: Pace


class SupportRead(ReadModel):
    needed: str
    from_person: PersonRef | None
    from_department_id: UUID | None


class GoalSummaryRead(ReadModel):
    id: UUID
    level: GoalLevel
    title: str
    owner: PersonRef
    cycle_id: UUID
    theme_id: UUID | None
    parent_id: UUID | None
    state: GoalState
    visibility: Visibility
    weight: int
    priority: Priority
    progress: float
    pace: Pace
    # Set when a version waits for this viewer's signature.
    awaiting_my_signature: bool
    amendment_pending: bool


class SignatureRead(ReadModel):
    signer: PersonRef
    role: SignerRole
    version: int
    content_hash: str
    signed_at: datetime


class AlignmentStep(ReadModel):
    """One step of "why this goal": a parent objective, or its theme at the top. A parent the
    viewer may not see appears with `hidden` set and no title."""

    id: UUID | None
    kind: Literal["goal", "theme"]
    level: GoalLevel | None
    title: str | None
    hidden: bool


class GoalPermissions(ReadModel):
    edit: bool
    propose: bool
    sign: bool
    comment: bool
    amend: bool
    activate: bool
    withdraw: bool
    close: bool
    record_progress: bool
    change_visibility: bool


class GoalRead(GoalSummaryRead):
    description: str
    department_id: UUID | None
    support: SupportRead
    key_results: list[KeyResultRead]
    score: int | None
    # The version under negotiation (or the agreed one when nothing is open) and its hash.
    version: int
    content_hash: str
    agreed_version: int | None
    signatures: list[SignatureRead]
    alignment: list[AlignmentStep]
    permissions: GoalPermissions
    created_at: datetime
    updated_at: datetime


class GoalVersionRead(ReadModel):
    version: int
    status: VersionStatus
    reason: str
    content: GoalContent
    content_hash: str
    created_by: PersonRef
    created_at: datetime
    signatures: list[SignatureRead]


class KeyResultContent(ReadModel):
    """A key result as it was signed."""

    id: UUID
    title: str
    metric_kind: MetricKind
    start_value: Metric
    target_value: Metric
    unit: str
    direction: Direction
    due_on: date
    weight: int
    standards: list[Standard]
    milestones: list[MilestoneRead]


class GoalContent(ReadModel):
    """Exactly what two people sign: the signature hash covers every field here."""

    goal_id: UUID
    version: int
    owner_id: UUID
    cycle_id: UUID
    title: str
    description: str
    theme_id: UUID | None
    parent_id: UUID | None
    weight: int
    priority: Priority
    support_needed: str
    support_from_person_id: UUID | None
    support_from_department_id: UUID | None
    key_results: list[KeyResultContent]


GoalVersionRead.model_rebuild()


class WeightLine(ReadModel):
    goal_id: UUID
    title: str
    weight: int


class WeightSummary(ReadModel):
    """The third question: a person's goal weights in a cycle must total 100 %."""

    cycle_id: UUID
    total: int
    goals: list[WeightLine]


class MyGoalsRead(ReadModel):
    goals: list[GoalSummaryRead]
    weights: list[WeightSummary]


class TreeNode(ReadModel):
    goal: GoalSummaryRead
    children: list[TreeNode]
    more: int = Field(
        description="Goals aligned to this one that the viewer may see but the answer leaves"
        " out (a large organisation's tree is sent a part at a time):"
        " GET /api/goals/{id}/children lists them all."
    )


class ThemeTree(ReadModel):
    theme: ThemeRead | None = Field(description="None: objectives not linked to any theme.")
    objectives: list[TreeNode]


class GoalTreeRead(ReadModel):
    cycle: CycleRead
    themes: list[ThemeTree]


class ParentChoice(ReadModel):
    """An objective a goal may be aligned to."""

    id: UUID
    level: GoalLevel
    title: str
    owner: PersonRef
    department_name: str | None


class CommentCreate(WriteModel):
    body: str = Field(min_length=1, max_length=4000)
    prompt: CommentPrompt | None = None


class CommentRead(ReadModel):
    id: UUID
    author: PersonRef
    body: str
    prompt: CommentPrompt | None
    created_at: datetime


# --- progress -----------------------------------------------------------------------------------


class ProgressCreate(WriteModel):
    value: Metric
    note: str = Field(default="", max_length=2000)


class ProgressMutation(ProgressCreate):
    """The `kr.progress` sync mutation: a progress entry written on a phone, maybe offline."""

    key_result_id: UUID


class ProgressRead(ReadModel):
    id: UUID
    key_result_id: UUID
    value: Metric
    note: str
    source: ProgressSource
    recorded_by: PersonRef | None
    integration_name: str | None
    recorded_at: datetime


class GoalRecordRead(ReadModel):
    """A goal with its whole history: what the owner's data export holds for each goal."""

    goal: GoalRead
    versions: list[GoalVersionRead]
    progress: list[ProgressRead]
    comments: list[CommentRead]


class IntegrationProgressCreate(WriteModel):
    value: Metric
    # The sender's id for this delivery: a repeat of the same id is ignored.
    external_event_id: str = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=2000)


class IntegrationProgressResult(ReadModel):
    entry: ProgressRead
    duplicate: bool


# --- templates ----------------------------------------------------------------------------------


class TemplateCreate(GoalFields):
    key_results: list[KeyResultIn] = Field(min_length=1, max_length=10)


class TemplateRead(ReadModel):
    id: UUID
    cycle_id: UUID
    title: str
    description: str
    theme_id: UUID | None
    parent_id: UUID | None
    weight: int
    priority: Priority
    key_results: list[KeyResultIn]
    created_by: PersonRef
    created_at: datetime


class TemplateAssign(WriteModel):
    """Who gets a copy: any mix of named people, a department (with its sub-departments)
    and a job family. A person who already has a copy is skipped."""

    person_ids: list[UUID] = Field(default_factory=list, max_length=10_000)
    department_id: UUID | None = None
    job_family: str | None = Field(default=None, min_length=1, max_length=100)


class TemplateAssignResult(ReadModel):
    created: int
    skipped: int
    goal_ids: list[UUID]


# --- integration tokens -------------------------------------------------------------------------


class IntegrationTokenCreate(WriteModel):
    name: str = Field(min_length=1, max_length=100)


class IntegrationTokenRead(ReadModel):
    id: UUID
    name: str
    scope: Literal["kr.progress"]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class IntegrationTokenIssued(IntegrationTokenRead):
    """The token itself is shown once, at creation; only its hash is stored."""

    token: str
