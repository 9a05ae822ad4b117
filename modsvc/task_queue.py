"""The port through which domain code hands a task to the message broker (scaled mode).

The domain packages import neither Celery nor Flask. Whether there is a broker is a setting
(MODSVC_BROKER_URL, read where the work arises); how to talk to it is the doors' business: the
entry points of the processes where such work arises (the web app factory, the Celery worker)
install a sender at start-up, ``workers.dispatch.send_task``. Domain code only names the task and
its ids.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .config import Settings

Sender = Callable[[Settings, str, Sequence[Any]], None]  # (settings, task name, task arguments)

_sender: Sender | None = None


class NoBrokerClient(RuntimeError):
    """Nothing in this process can reach the broker: it was not started through one of the doors."""


def install(sender: Sender) -> None:
    global _sender
    _sender = sender


def send(settings: Settings, task_name: str, args: Sequence[Any]) -> None:
    """Send one task to the broker of ``settings``; raises when it cannot (the caller keeps its rows pending)."""
    if _sender is None:
        raise NoBrokerClient("no broker client installed in this process (the web app and the workers "
                             "install one at start-up: workers.dispatch.install)")
    _sender(settings, task_name, args)
