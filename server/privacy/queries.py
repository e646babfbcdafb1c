"""Who can see my data, with the names of the people it means today."""

from __future__ import annotations

from uuid import UUID

from server.core.access import Principal, Role
from server.org import queries as org
from server.privacy import audience, policy
from shared_schemas.privacy import AudienceRead, DataAudienceRead, RecordAudienceRead, ViewerKind


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
