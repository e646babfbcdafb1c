from piccolo.columns import (
    UUID,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from server.org.tables import Department, Person

# Metric values: 18 digits, 4 after the point (money to the cent, percentages to 0.01 %).
METRIC_DIGITS = (18, 4)


class Cycle(Table, tablename="goals_cycle"):
    id = UUID(primary_key=True)
    name = Varchar(length=100)
    kind = Varchar(length=10)  # year | half | quarter
    starts_on = Date()
    ends_on = Date()


class StrategyTheme(Table, tablename="goals_theme"):
    id = UUID(primary_key=True)
    cycle = ForeignKey(Cycle, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=100)
    description = Text(default="")
    position = Integer(default=0)


class Goal(Table, tablename="goals_goal"):
    """An objective at any level. Its columns hold the working content; the signed versions
    are frozen in GoalVersion."""

    id = UUID(primary_key=True)
    level = Varchar(length=12, index=True)  # company | department | team | individual
    owner = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.set_null)
    cycle = ForeignKey(Cycle, on_delete=OnDelete.cascade, index=True)
    theme = ForeignKey(StrategyTheme, null=True, on_delete=OnDelete.set_null, index=True)
    parent: ForeignKey["Goal"] = ForeignKey(
        "self", null=True, on_delete=OnDelete.set_null, index=True
    )
    # The parent is a shared (not individual) objective of the same cycle, which everyone
    # may see: written with the parent, from facts about it that never change. Such a goal
    # hangs in the tree under its parent while that is live, so the tree looks for its tops
    # among the other goals only (and the children of withdrawn ones).
    parent_shared = Boolean(default=False)
    title = Varchar(length=300)
    description = Text(default="")
    weight = Integer(default=0)
    priority = Varchar(length=10, default="medium")
    support_needed = Text(default="")
    support_from_person = ForeignKey(Person, null=True, on_delete=OnDelete.set_null)
    support_from_department = ForeignKey(Department, null=True, on_delete=OnDelete.set_null)
    visibility = Varchar(length=10, default="private")
    state = Varchar(length=16, default="draft")
    score = Integer(null=True, default=None)
    # The version being negotiated or, when nothing is open, the last agreed one.
    version = Integer(default=0)
    agreed_version = Integer(null=True, default=None)
    template = UUID(null=True, default=None, index=True)
    created_by = ForeignKey(Person, on_delete=OnDelete.cascade)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class KeyResult(Table, tablename="goals_key_result"):
    id = UUID(primary_key=True)
    goal = ForeignKey(Goal, on_delete=OnDelete.cascade, index=True)
    position = Integer(default=0)
    title = Varchar(length=300)
    metric_kind = Varchar(length=10)
    start_value = Numeric(digits=METRIC_DIGITS)
    target_value = Numeric(digits=METRIC_DIGITS)
    current_value = Numeric(digits=METRIC_DIGITS)
    unit = Varchar(length=20, default="")
    direction = Varchar(length=10, default="increase")
    due_on = Date()
    weight = Integer(default=100)
    standards = Varchar(length=40, default="")  # space separated: time quantity quality cost
    # JSON list of {"due_on", "expected_value"}; explicit checkpoints for the pace.
    milestones = Text(default="[]")
    # A key result removed by an amendment keeps its progress log but takes no more entries.
    retired = Boolean(default=False)


class GoalVersion(Table, tablename="goals_version"):
    """A frozen proposal: the exact content two people sign. Never updated except `status`."""

    id = UUID(primary_key=True)
    goal = ForeignKey(Goal, on_delete=OnDelete.cascade, index=True)
    version = Integer()
    status = Varchar(length=12)  # open | agreed | superseded | withdrawn
    reason = Text(default="")
    content = Text()  # GoalContent as JSON
    content_hash = Varchar(length=64)
    created_by = ForeignKey(Person, on_delete=OnDelete.cascade)
    created_at = Timestamptz()


class Signature(Table, tablename="goals_signature"):
    id = UUID(primary_key=True)
    goal = ForeignKey(Goal, on_delete=OnDelete.cascade, index=True)
    version = Integer()
    signer = ForeignKey(Person, on_delete=OnDelete.cascade)
    role = Varchar(length=10)  # employee | manager
    content_hash = Varchar(length=64)
    signed_at = Timestamptz()


class GoalComment(Table, tablename="goals_comment"):
    id = UUID(primary_key=True)
    goal = ForeignKey(Goal, on_delete=OnDelete.cascade, index=True)
    author = ForeignKey(Person, on_delete=OnDelete.cascade)
    body = Text()
    prompt = Varchar(length=24, null=True, default=None)
    created_at = Timestamptz()


class IntegrationToken(Table, tablename="goals_integration_token"):
    id = UUID(primary_key=True)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True)  # SHA-256 of the token; the token is shown once
    scope = Varchar(length=20, default="kr.progress")
    created_by = ForeignKey(Person, on_delete=OnDelete.cascade)
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class ProgressEntry(Table, tablename="goals_progress"):
    """The append-only progress log of a key result."""

    id = UUID(primary_key=True)
    key_result = ForeignKey(KeyResult, on_delete=OnDelete.cascade, index=True)
    value = Numeric(digits=METRIC_DIGITS)
    note = Text(default="")
    source = Varchar(length=12)  # manual | checkin | integration
    recorded_by = ForeignKey(Person, null=True, on_delete=OnDelete.set_null)
    integration = ForeignKey(IntegrationToken, null=True, on_delete=OnDelete.set_null)
    # The integration's delivery id; unique per integration so a redelivery is ignored.
    external_event_id = Varchar(length=200, null=True, default=None)
    recorded_at = Timestamptz(index=True)


class GoalTemplate(Table, tablename="goals_template"):
    id = UUID(primary_key=True)
    cycle = ForeignKey(Cycle, on_delete=OnDelete.cascade, index=True)
    content = Text()  # TemplateCreate as JSON
    created_by = ForeignKey(Person, on_delete=OnDelete.cascade)
    created_at = Timestamptz()
