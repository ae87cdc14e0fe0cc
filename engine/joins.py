"""A fix for SpiffWorkflow's parallel join inside a loop.

A parallel join keeps one task per arriving branch; when the last branch
arrives, the join fires and the other arrivals are cancelled. SpiffWorkflow
counts a branch as arrived when any join task of that spec, except those of
earlier rounds that lie on the path to this one, has a completed parent. In a
loop the arrival cancelled in an earlier round is not on that path, so it is
counted again: if the branches of two rounds arrive in different orders, the
join fires with one branch missing and the instance stops or fails. The
monitoring rounds of P5 (OPD and partner reports in parallel, every half
year) are such a loop.

Here a cancelled arrival never counts: it belonged to a round that has fired.
This replaces SpiffWorkflow's method once, when the engine is imported.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.util.task import TaskState


def _all_branches_arrived(self, my_task):
    waiting = set(self.inputs)

    def arrived_from(task):
        # Walk up to the input the branch came through.
        while task is not None:
            if task.task_spec in waiting:
                waiting.discard(task.task_spec)
                return
            task = task.parent

    for arrival in my_task.workflow.get_tasks(spec_name=self.name):
        if arrival.is_descendant_of(my_task):
            # The first round: an arrival below this one comes later.
            arrived_from(arrival)
        elif my_task.is_descendant_of(arrival) or arrival.has_state(
            TaskState.CANCELLED
        ):
            continue  # an earlier round
        elif arrival.parent.has_state(TaskState.COMPLETED):
            waiting.discard(arrival.parent.task_spec)
    return not waiting


ParallelGateway._check_threshold_unstructured = _all_branches_arrived
