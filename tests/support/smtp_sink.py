"""A real SMTP server for the alert tests (aiosmtpd): every message it accepts is parsed with
Python's own email parser and appended to a JSON-lines file, so the tests read what a mail
client would see. Usage: smtp_sink.py PORT_FILE OUT_FILE (it picks a free port and writes it)."""

import asyncio
import json
import socket
import sys
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = out

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "body": body.get_content() if body else "",
            "list_unsubscribe": str(message["List-Unsubscribe"] or ""),
            "list_unsubscribe_post": str(message["List-Unsubscribe-Post"] or ""),
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return "250 Message accepted"


def main():
    port_file, out = sys.argv[1], sys.argv[2]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port)
    controller.start()
    with open(port_file, "w") as f:
        f.write(str(port))
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
