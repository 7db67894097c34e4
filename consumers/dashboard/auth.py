"""Who may do what: viewers read, operators also act.

A request presents a token as ``Authorization: Bearer <token>`` or in the session cookie
that ``POST /api/session`` sets for the web page (``EventSource`` cannot send headers).
The operator token (``dashboard_operator_token``) makes an operator; the viewer token
(``dashboard_viewer_token``) a viewer. Without a viewer token configured, a request with
no token reads as an anonymous viewer. Any token that matches neither is refused (401);
an operator action without a token is refused (401), by a viewer forbidden (403).
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from typing import Literal

from fastapi import HTTPException, Request, status

from consumers.dashboard.config import DashboardConfig

log = logging.getLogger("citywatch.dashboard.auth")

SESSION_COOKIE = "citywatch_session"
Role = Literal["viewer", "operator"]


@dataclass(frozen=True)
class Principal:
    """The caller: its role and whether it presented a token."""

    role: Role
    authenticated: bool


def _same(given: str, expected: str | None) -> bool:
    return expected is not None and hmac.compare_digest(
        given.encode("utf-8"), expected.encode("utf-8")
    )


def role_of_token(token: str, config: DashboardConfig) -> Role | None:
    """The role a token grants, or None for an unknown token."""
    if _same(token, config.operator_token):
        return "operator"
    if _same(token, config.viewer_token):
        return "viewer"
    return None


def presented_token(request: Request) -> str | None:
    """The bearer token of the request, else its session cookie, else None."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise _unauthorized("the Authorization header must be 'Bearer <token>'")
        return value.strip()
    return request.cookies.get(SESSION_COOKIE) or None


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def principal(request: Request) -> Principal:
    """Resolve the caller of ``request`` (401 for a missing or unknown token)."""
    config: DashboardConfig = request.app.state.config
    token = presented_token(request)
    if token is None:
        if config.viewer_token is not None:
            raise _unauthorized("a viewer or operator token is required")
        return Principal("viewer", authenticated=False)
    role = role_of_token(token, config)
    if role is None:
        log.warning("refused token from %s", request.client.host if request.client else "?")
        raise _unauthorized("the token is not valid")
    return Principal(role, authenticated=True)


def require_viewer(request: Request) -> Principal:
    """Dependency of every read endpoint."""
    return principal(request)


def require_operator(request: Request) -> Principal:
    """Dependency of every operator action: 401 without a valid token, 403 for viewers."""
    who = principal(request)
    if not who.authenticated:
        raise _unauthorized("operator actions need the operator token")
    if who.role != "operator":
        log.warning(
            "viewer refused %s %s from %s",
            request.method,
            request.url.path,
            request.client.host if request.client else "?",
        )
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="operators only")
    return who
