"""What a publisher may add to a link's click URL: sub1–sub5 and a relative path, and the rules they keep.

The link builder previews them; the click endpoint (portal.tracking) reads every click's with these rules."""
from __future__ import annotations

import re

SUB_FIELDS = ("sub1", "sub2", "sub3", "sub4", "sub5")
MAX_SUB_LENGTH = 255
_RELATIVE_PATH = re.compile(r"^[A-Za-z0-9/._-]+$")


class ClickRefused(ValueError):
    """The click request is malformed; the visitor gets a 400 page, never a redirect.

    Kept for what no legitimate link produces and what could harm if followed or stored: a relative path
    outside `[A-Za-z0-9/._-]` or with `..` (it could leave the destination's host), and a NUL byte in a
    sub ID (PostgreSQL refuses it, so the click could never be stored). A sub ID that is merely too long
    is not refused: it is cut to `MAX_SUB_LENGTH` and the click flagged (`check_subs`)."""


def check_relative_path(value: str) -> str:
    """Allow only `[A-Za-z0-9/._-]+` with no `..`: deep links stay on the destination's host."""
    if value == "":
        return ""
    if not _RELATIVE_PATH.fullmatch(value) or ".." in value:
        raise ClickRefused("relativepath may contain only letters, digits, '/', '.', '_' and '-', and no '..'.")
    return value


def check_subs(args) -> tuple[dict[str, str], bool]:
    """sub1–sub5 from the click's query arguments, "" for each one missing, and whether any was cut:
    a value over `MAX_SUB_LENGTH` characters (an ad network's macro can expand that far) keeps its first
    `MAX_SUB_LENGTH`, so the visitor is still redirected and the click says its sub IDs were truncated."""
    subs, truncated = {}, False
    for name in SUB_FIELDS:
        value = args.get(name, "")
        if len(value) > MAX_SUB_LENGTH:
            value, truncated = value[:MAX_SUB_LENGTH], True
        if "\x00" in value:  # PostgreSQL refuses it: the click could never be stored, and would block the flush
            raise ClickRefused(f"{name} contains a NUL byte.")
        subs[name] = value
    return subs, truncated
