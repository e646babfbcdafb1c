"""Who can see my data, with the names of the people it means today; and my data itself."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from server.alerts import queries as alerts
from server.audit import queries as audit
from server.checkins import queries as checkins
from server.core.access import Principal, Role
from server.feedback import queries as feedback
from server.goals import queries as goals
from server.org import queries as org
from server.privacy import audience, policy
from server.push import queries as push
from shared_schemas.privacy import (
    AudienceRead,
    DataAudienceRead,
    MyDataExport,
    RecordAudienceRead,
    ViewerKind,
)


async def _people_by_viewer(person_id: UUID) -> dict[ViewerKind, list[UUID]]:
    """The people each kind of viewer stands for, for this person (authors and colleagues
    are anyone, so nobody is named)."""
    chain = await org.manager_chain(person_id)  # the person, then upwards
    return {
        "self": [person_id],
        "direct_manager": chain[1:2],
        "skip_manager": chain[2:],
        "hr": (await org.hr_covering([person_id])).get(person_id, []),
        "admin": await org.people_with_role(Role.ADMIN),
    }


async def data_audience(principal: Principal) -> DataAudienceRead:
    people = await _people_by_viewer(policy.overview_subject(principal))
    refs = await org.person_refs(sorted({p for ids in people.values() for p in ids}))
    return DataAudienceRead(
        records=[
            RecordAudienceRead(
                kind=kind,
                audience=[
                    AudienceRead(
                        viewer=grant.viewer,
                        access=grant.access,
                        condition=grant.condition,
                        people=sorted(
                            (refs[p] for p in people.get(grant.viewer, []) if p in refs),
                            key=lambda ref: ref.display_name,
                        ),
                    )
                    for grant in grants
                ],
            )
            for kind, grants in audience.GRANTS.items()
        ]
    )


async def my_data(principal: Principal) -> MyDataExport:
    """Each domain's own reads of what concerns the person, whole: the export holds exactly
    what they could page through in the app, no more (their rules decide it) and no less."""
    return MyDataExport(
        format="tandem.my-data.v1",
        exported_at=datetime.now(UTC),
        profile=await org.my_profile(principal),
        goals=await goals.my_goal_records(principal),
        checkins=await checkins.my_history(principal),
        kudos_received=await feedback.all_kudos(principal, "received"),
        kudos_given=await feedback.all_kudos(principal, "given"),
        feedback_received=await feedback.all_feedback(principal, "received"),
        feedback_given=await feedback.all_feedback(principal, "given"),
        alerts=await alerts.my_alerts(principal),
        notifications=await push.whole_inbox(principal),
        notification_preferences=await push.get_preferences(principal),
        access_log=await audit.my_whole_access_log(principal),
    )
