"""A real SMTP server (aiosmtpd) on 127.0.0.1, port 0, that refuses the first N messages."""

from __future__ import annotations

import asyncio
import contextlib
import threading

from aiosmtpd.smtp import SMTP


class RefusingHandler:
    """Answers 451 (try again later) to the first ``refusals`` messages, then accepts."""

    def __init__(self, refusals: int):
        self.refusals = refusals
        self.tries = 0
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
        self.tries += 1
        if self.tries <= self.refusals:
            return "451 4.3.0 Mailbox busy, try again later"
        self.messages.append(envelope.content)
        return "250 OK"


@contextlib.contextmanager
def smtp_server(handler):
    """Serve ``handler`` on 127.0.0.1:<free port> in a thread; yields the port."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    state: dict = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(
            loop.create_server(lambda: SMTP(handler, hostname="127.0.0.1", loop=loop), "127.0.0.1", 0))
        state["port"] = server.sockets[0].getsockname()[1]
        ready.set()
        loop.run_forever()
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10), "SMTP server did not start"
    try:
        yield state["port"]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
