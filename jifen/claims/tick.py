"""`jifen tick` tasks for claims: publish due notices, post claims whose window closed, close notices.

Each is safe to run every minute and twice at once: notices are unique per (scheme, unit,
period) and each claim is posted under a row lock and its own ledger key.
"""

from __future__ import annotations

import datetime as dt

from jifen.claims import services


def publish_due_notices(*, now: dt.datetime) -> str:
    notices, entries, problems = services.notices_publish_due(now=now)
    text = f"发布公示 {notices} 份（{entries} 条）/ published {notices} notice(s) ({entries} claims)"
    if problems:
        text += "；未能发布 / not published: " + "; ".join(problems)
    return text


def post_due_claims(*, now: dt.datetime) -> str:
    counts = services.claims_post_due(now=now)
    closed = services.notices_close(now=now)
    return (
        f"入账 {counts['posted']} 条，超限撤销 {counts['revoked']} 条，失败 {counts['failed']} 条，关闭公示 {closed} 份 / "
        f"posted {counts['posted']}, revoked over cap {counts['revoked']}, failed {counts['failed']}, notices closed {closed}"
    )
