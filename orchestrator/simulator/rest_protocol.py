"""What every operation of the simulated REST API shares: the request it is given, the reply or
OCI error it gives back, required parameters, the compartment check and pagination."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from email.message import Message

from orchestrator.simulator.compute import Answer
from orchestrator.simulator.provider_errors import ServiceError
from orchestrator.simulator.store import CloudStore

MAX_PAGE_SIZE = 1000


class ApiError(Exception):
    """An OCI error response: HTTP status, OCI error code, message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Refused(ApiError):
    """A store operation's own refusal (capacity, limits...), with what the call log should say."""

    def __init__(self, error: ServiceError, log: dict):
        super().__init__(error.status, error.code, error.message)
        self.log = log


@dataclass
class Request:
    query: dict[str, str]
    params: tuple[str, ...]
    body: dict
    headers: Message
    # How long the endpoint's launches stay PROVISIONING and its terminations TERMINATING.
    lifecycle_seconds: float = 0


@dataclass
class Reply:
    """An answer: JSON body (None: 204 No Content), extra headers, fields for the call log."""

    body: object
    log: dict = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    # The launch was accepted but its answer never reaches the client (scenario outcome `lost`).
    drop_connection: bool = False


def not_found(what: str) -> ApiError:
    return ApiError(404, "NotAuthorizedOrNotFound", f"Authorization failed or requested resource not found: {what}.")


def found(record: dict | None, what: str) -> dict:
    """The record a Get operation looked up; OCI's 404 if there is none."""
    if record is None:
        raise not_found(what)
    return record


def required(values: dict, name: str) -> object:
    if values.get(name) in (None, ""):
        raise ApiError(400, "MissingParameter", f"Missing required parameter '{name}'.")
    return values[name]


def visible_compartment(store: CloudStore, compartment_id: str) -> None:
    """404 unless the compartment is the tenancy or one of its compartments."""
    cloud = store.snapshot()
    if compartment_id != cloud["tenancy_id"] and compartment_id not in cloud["compartments"]:
        raise not_found(f"compartment {compartment_id}")


def queried_compartment(store: CloudStore, query: dict[str, str]) -> str:
    """The compartmentId a list operation's query names: 400 if none, 404 if not visible."""
    compartment_id = required(query, "compartmentId")
    visible_compartment(store, compartment_id)
    return compartment_id


def matches(record: dict, query: dict[str, str], filters: dict[str, str]) -> bool:
    """Does the store's `record` have the value of each filter the query sets? `filters`: {query parameter: record field}."""
    return all(query[param] == record[name] for param, name in filters.items() if param in query)


def answered(answer: Answer, fields: dict) -> dict:
    """The call log's fields for a store operation's answer; Refused if the store refused it."""
    if answer.error is not None:
        raise Refused(answer.error, {**fields, "outcome": answer.outcome})
    return {**fields, "outcome": answer.outcome}


def sorted_by(items: list[dict], query: dict[str, str], name_field: str = "display_name") -> list[dict]:
    """`items` in the order the query's sortBy (TIMECREATED, DISPLAYNAME) and sortOrder (ASC, DESC)
    ask; OCI's defaults: newest first by time, A to Z (case-sensitive) by name."""
    sort_by = query.get("sortBy", "TIMECREATED")
    if sort_by not in ("TIMECREATED", "DISPLAYNAME"):
        raise ApiError(400, "InvalidParameter", f"Invalid sortBy {sort_by!r}; valid values: TIMECREATED, DISPLAYNAME.")
    by_name = sort_by == "DISPLAYNAME"
    order = query.get("sortOrder", "ASC" if by_name else "DESC")
    if order not in ("ASC", "DESC"):
        raise ApiError(400, "InvalidParameter", f"Invalid sortOrder {order!r}; valid values: ASC, DESC.")
    field = name_field if by_name else "time_created"
    return sorted(items, key=lambda item: item[field] or "", reverse=order == "DESC")


# ----- pagination: every list answers `limit` items from `page` on, and says where the next page starts -----


def _page_token(op: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{op}:{offset}".encode()).decode()


def paged(op: str, items: list, query: dict[str, str]) -> tuple[list, dict[str, str]]:
    """The page of `items` the query asks for, and the opc-next-page header if more follow."""
    start = 0
    if "page" in query:
        try:
            name, _, offset = base64.urlsafe_b64decode(query["page"].encode()).decode().partition(":")
            start = int(offset)
        except (ValueError, UnicodeDecodeError, binascii.Error):
            name = ""
        if name != op or not 0 <= start <= len(items):
            raise ApiError(400, "InvalidParameter", f"Invalid page token: {query['page']!r}.")
    limit = len(items)
    if "limit" in query:
        if (
            not query["limit"].isascii()
            or not query["limit"].isdigit()
            or not 1 <= int(query["limit"]) <= MAX_PAGE_SIZE
        ):
            raise ApiError(400, "InvalidParameter", f"limit must be an integer from 1 to {MAX_PAGE_SIZE}.")
        limit = int(query["limit"])
    end = start + limit
    return items[start:end], ({"opc-next-page": _page_token(op, end)} if end < len(items) else {})
