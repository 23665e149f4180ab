"""Two things at once on PostgreSQL: the helpers of every app's concurrency tests (consent
forms, agreements, action points).

Each worker is a real thread, so it has its own database connection (Django keeps one per
thread), and closes it when it is done: a connection left open would keep the test database
from being dropped. Tests using these need ``pytest.mark.django_db(transaction=True)``: the
other thread only sees what was committed.

``while_waiting`` makes one race happen every time, without sleeping and hoping: this thread takes
a row lock, the worker's request runs until it waits for that lock (seen in ``pg_locks``), then
this thread changes the rows (deletes them, usually) and commits, and the worker carries on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.contrib.messages import get_messages
from django.db import connection, connections, transaction
from django.test import Client

from tests.conftest import need

TIMEOUT = 20  # seconds: far above what any of these requests takes


def need_postgresql() -> None:
    need(connection.vendor == "postgresql", "row locks are tested on PostgreSQL only")


def signed_in(user) -> Client:
    """A client of its own for one worker (clients are not shared between threads)."""
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    """The messages a response set, as the person reads them."""
    return [str(message) for message in get_messages(response.wsgi_request)]


class Worker(threading.Thread):
    """``call()`` in a thread of its own; ``outcome()`` is its result, or raises its error."""

    def __init__(self, call: Callable[[], object], barrier: threading.Barrier | None = None):
        super().__init__(daemon=True)
        self.call, self.barrier = call, barrier
        self.result: object = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            if self.barrier is not None:
                self.barrier.wait(TIMEOUT)
            self.result = self.call()
        except BaseException as error:  # handed to the test thread by outcome()
            self.error = error
        finally:
            connections.close_all()  # this thread's connections only

    def outcome(self):
        self.join(TIMEOUT)
        assert not self.is_alive(), "the worker is still running"
        if self.error is not None:
            raise self.error
        return self.result


def together(*calls: Callable[[], object]) -> list[Worker]:
    """Start every call at the same moment, each in its own thread; wait for all of them."""
    barrier = threading.Barrier(len(calls))
    workers = [Worker(call, barrier) for call in calls]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(TIMEOUT)
        assert not worker.is_alive(), "a worker is still running"
    return workers


def someone_waits_for_me() -> bool:
    """Whether another connection is waiting for a lock this connection holds (live views:
    ``pg_locks`` and ``pg_blocking_pids`` are not cached for the transaction, unlike
    ``pg_stat_activity``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted"
            " AND pg_backend_pid() = ANY(pg_blocking_pids(pid)))"
        )
        return cursor.fetchone()[0]


def while_waiting(
    lock: Callable[[], object], call: Callable[[], object], meanwhile: Callable[[], object]
):
    """Run ``call()`` in a worker while this thread holds ``lock()``; once the worker waits for
    it, run ``meanwhile()`` in the same transaction and commit. Returns ``call()``'s result.

    Fails if the worker never waits: code that reads and writes without taking the lock.
    """
    worker = Worker(call)
    with transaction.atomic():
        lock()
        worker.start()
        deadline = time.monotonic() + TIMEOUT
        while worker.is_alive() and not someone_waits_for_me():
            assert time.monotonic() < deadline, "the worker never waited for the lock"
            time.sleep(0.005)
        waited = worker.is_alive()
        meanwhile()
    result = worker.outcome()
    assert waited, "the worker finished without waiting for the lock"
    return result
