"""The e-Kerjasama engine: BPMN processes over SpiffWorkflow and a SQL store.

This package never imports Flask; ``web/`` adapts it to HTTP.
"""

from .clock import MovableClock
from .clock import SystemClock
from .errors import Conflict
from .errors import DefinitionError
from .errors import EngineError
from .errors import InstanceError
from .errors import InstanceNotActive
from .errors import InstanceNotFound
from .errors import InvalidInput
from .errors import NotFound
from .errors import PermissionDenied
from .errors import Problem
from .errors import ProcessNotFound
from .errors import ScriptError
from .errors import TaskNotFound
from .errors import TaskNotOpen
from .records import SYSTEM
from .records import Actor
from .records import Deployment
from .records import EventInfo
from .records import InstanceInfo
from .records import ProcessInfo
from .records import TaskInfo
from .runtime import Engine
from .services import ServiceRegistry

__all__ = [
    "SYSTEM",
    "Actor",
    "Conflict",
    "DefinitionError",
    "Deployment",
    "Engine",
    "EngineError",
    "EventInfo",
    "InstanceError",
    "InstanceInfo",
    "InstanceNotActive",
    "InstanceNotFound",
    "InvalidInput",
    "MovableClock",
    "NotFound",
    "PermissionDenied",
    "Problem",
    "ProcessInfo",
    "ProcessNotFound",
    "ScriptError",
    "ServiceRegistry",
    "SystemClock",
    "TaskInfo",
    "TaskNotFound",
    "TaskNotOpen",
]
