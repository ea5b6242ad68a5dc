"""Vietnamese first: pages are Vietnamese unless the person chose another language."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.utils import translation
from django.utils.translation import gettext as _

from .problems import problem_response


class VietnameseFirstLocaleMiddleware:
    """Activate the language the person picked (the language cookie set by the switcher),
    else LANGUAGE_CODE. Unlike LocaleMiddleware it ignores Accept-Language: a phone set to
    English must not turn a Vietnamese public service into English by itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RejectNulMiddleware:
    """A NUL character has no business in a URL; PostgreSQL cannot even store one. Refuse
    such a request with a 400 before any view or query sees it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return problem_response(
                request, 400, "invalid-input", "Yêu cầu không hợp lệ",
                "Địa chỉ yêu cầu chứa ký tự không hợp lệ.",
            )  # fmt: skip
        return self.get_response(request)


class SessionTimeoutMiddleware:
    """Sessions end after inactivity: MOTCUA_SESSION_IDLE_SECONDS (30 min) for citizens,
    MOTCUA_BACKOFFICE_IDLE_SECONDS (15 min) for a session that holds an official's or a staff
    account's login, and after SESSION_COOKIE_AGE whatever the activity. The clock is kept in
    the session; an expired session is flushed, so the next page asks to log in again."""

    LAST = "_motcua_last_activity"
    STARTED = "_motcua_started"
    WRITE_EVERY = 30  # seconds: not a session write on every request

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def _idle_limit(self, request: HttpRequest) -> int:
        session = request.session
        keys = getattr(settings, "MOTCUA_BACKOFFICE_SESSION_KEYS", ("backoffice_official",))
        user = getattr(request, "user", None)
        official = any(key in session for key in keys) or bool(
            user is not None and getattr(user, "is_staff", False)
        )
        if official:
            return int(getattr(settings, "MOTCUA_BACKOFFICE_IDLE_SECONDS", 15 * 60))
        return int(getattr(settings, "MOTCUA_SESSION_IDLE_SECONDS", 30 * 60))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            last = session.get(self.LAST)
            started = session.get(self.STARTED)
            expired = (isinstance(last, int) and now - last > self._idle_limit(request)) or (
                isinstance(started, int) and now - started > settings.SESSION_COOKIE_AGE
            )
            if expired:
                session.flush()
                if hasattr(request, "user"):
                    from django.contrib.auth.models import AnonymousUser

                    request.user = AnonymousUser()
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            if not isinstance(session.get(self.STARTED), int):
                session[self.STARTED] = now
            last = session.get(self.LAST)
            if not isinstance(last, int) or now - last >= self.WRITE_EVERY:
                session[self.LAST] = now
        return response


def malformed_body_problem(request: HttpRequest) -> HttpResponse:
    return problem_response(
        request, 400, "invalid-input", _("Yêu cầu không hợp lệ"),
        _("Nội dung gửi lên (multipart/form-data) không đúng định dạng: thiếu hoặc sai boundary."),
    )  # fmt: skip


class RejectMalformedMultipartMiddleware:
    """A multipart body whose headers cannot be parsed (no boundary, a bad one, a negative
    length) is the client's mistake: answer 400 before CSRF checks or views read the body,
    instead of the 500 Django's parser error would become. Only the headers are checked
    here; an error deeper in the body is turned into the same 400 by `process_exception`
    (pages) and by the API's exception handler."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.content_type == "multipart/form-data":
            try:  # the constructor validates the headers and reads nothing
                MultiPartParser(request.META, io.BytesIO(), [], request.encoding)
            except MultiPartParserError:
                return malformed_body_problem(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, MultiPartParserError):
            return malformed_body_problem(request)
        return None
