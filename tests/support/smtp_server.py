#!/usr/bin/env python3
"""A real SMTP server for the tests of `cotisations envoi` (aiosmtpd).

Listens on 127.0.0.1 on a free port, written to --port-file once it
accepts connections. Each message accepted is parsed with Python's own
`email` package (an implementation independent of the program's) and
written to --dir as NNNNN.json (envelope, decoded headers, text body,
attachments' names and hashes) and NNNNN-NAME for each attachment, the
json last (renamed into place), so a reader never sees half a message.

--refuse ADDR    answers 550 to RCPT TO:<ADDR> (a permanent refusal)
--defer-once ADDR answers 451 (a temporary refusal) to the first
                 RCPT TO:<ADDR>
--drop-once ADDR closes the connection, without answering, on the first
                 DATA of a message to ADDR (a connection lost once)
--delay-ms N     waits N ms before answering each DATA
--raw            writes each message as NNNNN.eml only, unparsed (for the
                 benchmark: the server's parsing is not what is measured)
"""
import argparse
import asyncio
import email
import email.policy
import hashlib
import json
import os
import signal
import socket
import sys
import threading

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, out, refuse, drop_once, delay_ms, raw=False, defer_once=()):
        self.out = out
        self.defer_once = {a.lower() for a in defer_once}
        self.raw = raw
        self.refuse = {a.lower() for a in refuse}
        self.drop_once = {a.lower() for a in drop_once}
        self.delay = delay_ms / 1000.0
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.defer_once:
            self.defer_once.discard(address.lower())
            return "451 4.7.1 <%s>: Greylisted, try again later" % address
        if address.lower() in self.refuse:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        dropped = [a for a in envelope.rcpt_tos if a.lower() in self.drop_once]
        if dropped:
            for a in dropped:
                self.drop_once.discard(a.lower())
            server.transport.close()
            return "421 4.4.2 connexion perdue (test)"
        with self.lock:
            self.count += 1
            n = self.count
        raw = envelope.original_content or envelope.content
        if self.raw:
            with open(os.path.join(self.out, "%05d.eml" % n), "wb") as f:
                f.write(raw)
            return "250 2.0.0 Ok: queued as %05d" % n
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_to": list(envelope.rcpt_tos),
            "from": str(msg["From"]),
            "to": [str(a) for a in msg["To"].addresses] if msg["To"] else [],
            "cc": [str(a.addr_spec) for a in msg["Cc"].addresses] if msg["Cc"] else [],
            "reply_to": str(msg["Reply-To"]),
            "subject": str(msg["Subject"]),
            "message_id": str(msg["Message-ID"]),
            "date": str(msg["Date"]),
            "mime_version": str(msg["MIME-Version"]),
            "body": "",
            "attachments": [],
        }
        body = msg.get_body(preferencelist=("plain",))
        if body is not None:
            record["body"] = body.get_content()
        for part in msg.iter_attachments():
            data = part.get_payload(decode=True)
            name = part.get_filename()
            path = os.path.join(self.out, "%05d-%s" % (n, name))
            with open(path, "wb") as f:
                f.write(data)
            record["attachments"].append(
                {
                    "filename": name,
                    "content_type": part.get_content_type(),
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "path": path,
                }
            )
        tmp = os.path.join(self.out, ".%05d.json.tmp" % n)
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(self.out, "%05d.json" % n))
        return "250 2.0.0 Ok: queued as %05d" % n


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--refuse", action="append", default=[])
    p.add_argument("--drop-once", action="append", default=[])
    p.add_argument("--delay-ms", type=int, default=0)
    p.add_argument("--raw", action="store_true")
    p.add_argument("--defer-once", action="append", default=[])
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    handler = Handler(a.dir, a.refuse, a.drop_once, a.delay_ms, a.raw, a.defer_once)
    for _ in range(20):
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        try:
            controller.start()
            break
        except Exception:
            continue
    else:
        sys.exit("no free port")
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, a.port_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # Also stop when the test that started us is gone (stdin closed).
    def watch_stdin():
        try:
            sys.stdin.read()
        finally:
            stop.set()
    threading.Thread(target=watch_stdin, daemon=True).start()
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
