"""Who may see which agreement and work on which task.

Regency staff (every user who is not a partner) may read every agreement.
A partner user reads only the agreements of their own institution; any
other agreement is answered with 404 so that its existence stays hidden.
Working on a task further needs the task's lane, and for the partner lane
the agreement must be the partner's own.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from flask import g

from engine import TaskInfo
from engine import TaskNotFound

from . import summaries
from .db import get_engine
from .users import PARTNER_ROLE
from .users import UserInfo


def may_read(user: UserInfo, summary: dict[str, Any]) -> bool:
    if user.is_partner:
        return summaries.same_partner(summary, user.partner)
    return True


def may_work(user: UserInfo, task: TaskInfo, summary: dict[str, Any]) -> bool:
    """Tell whether ``user`` may claim or complete ``task``."""
    if not user.actor.holds(task.lane):
        return False
    if task.lane == PARTNER_ROLE or user.is_partner:
        return summaries.same_partner(summary, user.partner)
    return True


def readable_agreement(instance_id: int) -> dict[str, Any]:
    """The summary of an agreement the current user may read.

    Aborts with 404 when it does not exist or belongs to another partner.
    """
    summary = summaries.get_summary(get_engine(), instance_id)
    if not may_read(g.user, summary):
        abort(404)
    return summary


def workable_task(task_id: str) -> tuple[TaskInfo, dict[str, Any]]:
    """The task and its agreement's summary, for a user who may work on it.

    Aborts with 404 when the agreement is not readable to the user, 403 when
    the user does not hold the task's lane.
    """
    engine = get_engine()
    task = engine.get_task(task_id)
    summary = summaries.get_summary(engine, task.instance_id)
    if not may_read(g.user, summary):
        raise TaskNotFound(f"There is no task {task_id!r}.")
    if not may_work(g.user, task, summary):
        abort(403)
    return task, summary
