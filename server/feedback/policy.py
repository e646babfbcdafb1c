"""Who may see and do what with kudos and SBI feedback. The only place these rules live
(DESIGN.md §3); `queries.py` turns them into SQL.

- Public kudos: everyone on the staff (admin-only accounts configure and do not read).
- Private kudos: the author, the recipients and each recipient's direct manager.
- SBI feedback: the author and the recipient; the recipient's direct manager only when the
  author chose to share it. Skip-level managers and HR never read feedback content.
- Only the author deletes a kudos. Nobody recognises or gives feedback to themselves.
"""

from __future__ import annotations

from server.core.access import Principal, Relation, Role

# A recipient's relations whose holders read a private kudos or a shared feedback with them.
RECIPIENT_SIDE = frozenset({Relation.SELF, Relation.DIRECT_MANAGER})


def reads_public_kudos(principal: Principal) -> bool:
    return principal.has(Role.EMPLOYEE)


def can_give(principal: Principal) -> bool:
    """Kudos, reactions and feedback come from people on the staff, not configuration accounts."""
    return principal.has(Role.EMPLOYEE)


def can_delete_kudos(principal: Principal, author_id: object) -> bool:
    return author_id == principal.person_id


def reads_kudos(
    principal: Principal, relations_to_recipient: frozenset[Relation], is_author: bool, public: bool
) -> bool:
    """The SQL form is `queries.visible_kudos`."""
    if public and reads_public_kudos(principal):
        return True
    return is_author or bool(relations_to_recipient & RECIPIENT_SIDE)


def reads_feedback(
    relations_to_recipient: frozenset[Relation], is_author: bool, shared_with_manager: bool
) -> bool:
    """The SQL form is `queries._in_box`."""
    if is_author or Relation.SELF in relations_to_recipient:
        return True
    return shared_with_manager and Relation.DIRECT_MANAGER in relations_to_recipient
