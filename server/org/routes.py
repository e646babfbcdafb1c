from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, Router, delete, get, patch, post
from litestar.datastructures import State
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from server.auth.middleware import CurrentPrincipal
from server.core.access import Principal
from server.core.errors import PROBLEM_RESPONSES, ProblemError, forbidden
from server.org import people_csv, policy, queries, service
from shared_schemas.org import (
    AccountRead,
    AccountState,
    CompanyRead,
    CompanyUpdate,
    DepartmentCreate,
    DepartmentRead,
    ErasureReport,
    ImportResult,
    MeRead,
    PersonCardRead,
    PersonRead,
    PersonUpdate,
)

IMPORT_MAX_BYTES = 10 * 1024 * 1024


@dataclass
class CsvUploadOperation(Operation):
    """Litestar has no raw-body parameter, so the CSV body is read from the request and
    described for the OpenAPI document here."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description=people_csv.__doc__,
            content={"text/csv": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))},
        )


def require_admin(principal: Principal) -> None:
    if not policy.can_administer(principal):
        raise forbidden("Only an administrator can change the organisation.")


@get("/api/me", operation_id="GetMe", responses=PROBLEM_RESPONSES)
async def get_me(principal: CurrentPrincipal) -> MeRead:
    """The signed-in person."""
    return await queries.get_me(principal)


@get("/api/me/team", operation_id="ListMyTeam", responses=PROBLEM_RESPONSES)
async def list_my_team(principal: CurrentPrincipal) -> list[PersonCardRead]:
    """My direct reports (empty for people without reports)."""
    return await queries.list_team(principal)


@get("/api/people", operation_id="SearchPeople", responses=PROBLEM_RESPONSES)
async def search_people(
    principal: CurrentPrincipal,
    q: Annotated[str, QueryParameter(max_length=100)] = "",
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
) -> list[PersonCardRead]:
    """The company directory: colleagues by name."""
    return await queries.search_people(principal, q, limit)


@get("/api/people/{person_id:uuid}", operation_id="GetPerson", responses=PROBLEM_RESPONSES)
async def get_person(
    principal: CurrentPrincipal, person_id: FromPath[UUID]
) -> PersonRead | PersonCardRead:
    """A person's profile: the full one for their manager chain, HR in scope and admins,
    the colleague card for everyone else."""
    return await queries.get_person(principal, person_id)


@get("/api/org/company", operation_id="GetCompany", responses=PROBLEM_RESPONSES)
async def get_company(principal: CurrentPrincipal) -> CompanyRead:
    return await queries.get_company()


@patch("/api/org/company", operation_id="UpdateCompany", responses=PROBLEM_RESPONSES)
async def update_company(principal: CurrentPrincipal, data: JSONBody[CompanyUpdate]) -> CompanyRead:
    require_admin(principal)
    return await queries.update_company(data)


@get("/api/org/departments", operation_id="ListDepartments", responses=PROBLEM_RESPONSES)
async def list_departments(principal: CurrentPrincipal) -> list[DepartmentRead]:
    return await queries.list_departments()


@post("/api/org/departments", operation_id="CreateDepartment", responses=PROBLEM_RESPONSES)
async def create_department(
    principal: CurrentPrincipal, data: JSONBody[DepartmentCreate]
) -> DepartmentRead:
    require_admin(principal)
    return await queries.create_department(data)


@patch(
    "/api/admin/people/{person_id:uuid}", operation_id="UpdatePerson", responses=PROBLEM_RESPONSES
)
async def update_person(
    principal: CurrentPrincipal, person_id: FromPath[UUID], data: JSONBody[PersonUpdate]
) -> PersonRead:
    """Change a person's record; disabling someone ends their sessions at once."""
    require_admin(principal)
    return await service.update_person(principal, person_id, data)


@get("/api/admin/people", operation_id="ListAccounts", responses=PROBLEM_RESPONSES)
async def list_accounts(
    principal: CurrentPrincipal,
    q: Annotated[str, QueryParameter(max_length=100)] = "",
    # `state` is Litestar's name for the application state: taken under another name.
    account_state: Annotated[AccountState, QueryParameter(name="state")] = "active",
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
) -> list[AccountRead]:
    """People by name, for the admins: those working here (`active`), those who left
    (`departed`, disabled) and those whose data was erased (`erased`)."""
    require_admin(principal)
    return await queries.list_accounts(q, account_state, limit)


@delete(
    "/api/admin/people/{person_id:uuid}/sessions",
    operation_id="EndPersonSessions",
    responses=PROBLEM_RESPONSES,
    status_code=HTTP_204_NO_CONTENT,
)
async def end_person_sessions(principal: CurrentPrincipal, person_id: FromPath[UUID]) -> None:
    """Sign a person out everywhere (a lost phone, a suspected leak): every refresh token and
    access token of theirs stops at once, and their devices stop receiving notifications.
    The account stays active; they sign in again with their password."""
    require_admin(principal)
    await service.end_sessions(person_id)


@post(
    "/api/admin/people/{person_id:uuid}/erasure",
    operation_id="ErasePerson",
    responses=PROBLEM_RESPONSES,
    status_code=HTTP_200_OK,
)
async def erase_person(principal: CurrentPrincipal, person_id: FromPath[UUID]) -> ErasureReport:
    """Erase a person who left (GDPR art. 17, PIPL art. 47): disable them first and move
    their reports. What described them is removed; what they gave others (feedback, the
    minutes of check-ins they held, goals others align to) stays under a pseudonym. It
    cannot be undone. The answer counts what was removed and what was kept."""
    require_admin(principal)
    return await service.erase_person(principal, person_id)


@post(
    "/api/admin/people/import",
    operation_id="ImportPeople",
    responses=PROBLEM_RESPONSES,
    status_code=HTTP_200_OK,
    request_max_body_size=IMPORT_MAX_BYTES,
    operation_class=CsvUploadOperation,
)
async def import_people(
    principal: CurrentPrincipal,
    request: Request[Any, Any, Any],
    state: State,
    dry_run: FromQuery[bool] = False,
) -> ImportResult:
    """Create or update people from a CSV file (UTF-8), all rows or none."""
    require_admin(principal)
    if request.headers.get("content-type", "").split(";")[0].strip() != "text/csv":
        raise ProblemError(415, "unsupported_media_type", "Send the file as text/csv.")
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProblemError(400, "invalid_encoding", "The file must be UTF-8 encoded.") from exc
    return await service.import_people(
        text, dry_run, state.settings.max_import_rows, principal.person_id
    )


router = Router(
    path="/",
    route_handlers=[
        get_me,
        list_my_team,
        search_people,
        get_person,
        get_company,
        update_company,
        list_departments,
        create_department,
        update_person,
        list_accounts,
        end_person_sessions,
        erase_person,
        import_people,
    ],
    tags=["org"],
)
