"""The role table every app's tests use: who may GET each page, who may POST each form, and
which texts each persona must never see.

A concrete test is data: a list of ``Page`` rows (and ``Post`` rows), the roles to try, and the
texts each role must never find. Refusals are checked by content: a refused POST answers 404
(anonymous visitors are sent to sign in) and leaves the database exactly as it was, read before
and after through the row's ``state``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.urls import reverse


@dataclass(frozen=True)
class Page:
    """A page (or a download) and who gets it: 200 for them, 404 for everyone else signed in."""

    name: str
    url: str
    allowed: set[str]


@dataclass(frozen=True)
class Post:
    """A form post and who may make it; ``state()`` reads what a refused post must not change."""

    name: str
    url: str
    allowed: set[str]
    data: dict = field(default_factory=dict)
    state: Callable[[], object] = lambda: None


def page_text(response) -> str:
    """A page's HTML, a CSV file, or every part of a downloaded workbook."""
    if response.streaming or response.get("Content-Disposition", "").startswith("attachment"):
        data = b"".join(response.streaming_content) if response.streaming else response.content
        if data.startswith(b"PK"):
            with zipfile.ZipFile(io.BytesIO(data)) as workbook:
                return "".join(
                    workbook.read(name).decode("utf-8", "replace") for name in workbook.namelist()
                )
        return data.decode("utf-8-sig", "replace")
    return response.content.decode()


def wrong_get_answers(people, roles: Iterable[str], pages: Iterable[Page]) -> list[str]:
    """Every (page, role) whose status is not the table's: 200 if allowed, else 404."""
    wrong = []
    for page in pages:
        for role in roles:
            status = people.client(role).get(page.url).status_code
            expected = 200 if role in page.allowed else 404
            if status != expected:
                wrong.append(f"{page.name} as {role}: {status}, expected {expected}")
    return wrong


def wrong_refusals(people, roles: Iterable[str], posts: Iterable[Post]) -> list[str]:
    """Every refused post that did not answer 404 or that changed its row's state."""
    wrong = []
    for post in posts:
        for role in [*roles, None]:
            if role in post.allowed:
                continue
            before = post.state()
            response = people.client(role).post(post.url, post.data)
            if role is None:
                ok = response.status_code == 302 and response["Location"].startswith(
                    reverse("login")
                )
            else:
                ok = response.status_code == 404
            if not ok:
                wrong.append(f"POST {post.name} as {role or 'anonymous'}: {response.status_code}")
            if post.state() != before:
                wrong.append(f"POST {post.name} as {role or 'anonymous'} changed the data")
    return wrong


def not_sent_to_sign_in(people, pages: Iterable[Page]) -> list[str]:
    anonymous = people.client(None)
    wrong = []
    for page in pages:
        response = anonymous.get(page.url)
        if response.status_code != 302 or not response["Location"].startswith(reverse("login")):
            wrong.append(f"{page.name}: {response.status_code}")
    return wrong


def leaks(people, pages: Iterable[Page], never: dict[str, Iterable[str]]) -> list[str]:
    """Texts found by a role that must never see them, on any page that role may open."""
    found = []
    for page in pages:
        for role in page.allowed:
            text = page_text(people.client(role).get(page.url))
            found += [
                f"{secret!r} in {page.name} as {role}"
                for secret in never.get(role, ())
                if secret in text
            ]
    return found
