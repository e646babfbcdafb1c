"""Who may see and do what with kudos and SBI feedback. The only place these rules live
(DESIGN.md §3); `queries.py` turns them into SQL.

- Public kudos: everyone on the staff (admin-only accounts configure and do not read).
- Private kudos: the author, the recipients and each recipient's direct manager.
- SBI feedback: the author and the recipient; the recipient's direct manager only when the
  author chose to share it. Skip-level managers and HR never read feedback content.
- Only the author deletes a kudos. Nobody recognises or gives feedback to themselves.
"""

from __future__ import annotations

from server.core.access import Principal, Role


def reads_public_kudos(principal: Principal) -> bool:
    return principal.has(Role.EMPLOYEE)


def can_give(principal: Principal) -> bool:
    """Kudos, reactions and feedback come from people on the staff, not configuration accounts."""
    return principal.has(Role.EMPLOYEE)


def can_delete_kudos(principal: Principal, author_id: object) -> bool:
    return author_id == principal.person_id
