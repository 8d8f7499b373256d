"""Who holds a chunk: the machine and process reading it, and whether that process is gone.

When one prefork child is killed and its worker lives on, Celery hands the chunk's message out
again at once (``reject_on_worker_lost``), long before the chunk's lease runs out. The new
delivery may take the chunk then if its holder ran on this same machine and no longer exists;
on another machine nothing can be known, and the lease decides as before."""

from __future__ import annotations

import os
import socket


def holder_here() -> str:
    """This process, as a chunk records its holder: ``machine/pid``."""
    return f"{socket.gethostname()}/{os.getpid()}"


def holder_is_gone(holder: str) -> bool:
    """Whether ``holder`` names a process of this machine that no longer runs. A pid since
    reused by another process reads as alive: the lease then decides, as for another machine."""
    machine, _, pid = holder.rpartition("/")
    if machine != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # exists, under another user
    return False
