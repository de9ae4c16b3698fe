#!/usr/bin/env python3
"""Checks rcp_proxy.py with a Python host on its pty: the probe answered
through the proxy, then each control command (reset-notify, garbage,
truncate, delay, kill, unplug, quit) and SIGTERM.

    test_rcp_proxy.py [OT_RCP]   (default ../shared/ot/ot-rcp)
Exit 0 pass, 1 fail, 77 skip (no ot-rcp outside CI, as tests/common.sh).
"""

import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import tty

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from rcp_proxy import RESET_NOTIFICATION, hdlc_frame  # noqa: E402

PROBE = hdlc_frame(b"\x81\x02\x01")  # PROP_VALUE_GET PROTOCOL_VERSION
ANSWER = b"\x81\x06\x01\x04\x03"  # PROP_VALUE_IS PROTOCOL_VERSION 4.3
RESET_BODY = b"\x80\x06\x00\x70"  # LAST_STATUS RESET_POWER_ON


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


class Host:
    """What tbr-agent does with spinel+hdlc+uart://LINK, in a few lines."""

    def __init__(self, link):
        self.fd = os.open(link, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self.fd)

    def read_for(self, secs):
        got, end = b"", time.monotonic() + secs
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return got
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    got += os.read(self.fd, 4096)
                except BlockingIOError:
                    pass

    def wait_for(self, needle, secs=3.0):
        got, end = b"", time.monotonic() + secs
        while needle not in got:
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    got += os.read(self.fd, 4096)
                except BlockingIOError:
                    pass
        return got

    def probe(self, secs=3.0):
        os.write(self.fd, PROBE)
        return self.wait_for(ANSWER, secs)

    def close(self):
        os.close(self.fd)


def main():
    default = os.path.join(HERE, "..", "..", "..", "shared", "ot", "ot-rcp")
    rcp = sys.argv[1] if len(sys.argv) > 1 else default
    if not os.access(rcp, os.X_OK):
        if os.environ.get("CI") in ("true", "1"):
            fail("%s is missing in CI" % rcp)
        print("SKIP: no %s" % rcp)
        return 77
    tmp = tempfile.mkdtemp(prefix="tbr-rcp-proxy-")
    link, ctl = os.path.join(tmp, "ttyRCP"), os.path.join(tmp, "ctl")
    env = dict(os.environ, PORT_OFFSET=str(40 + os.getpid() % 40))
    argv = [sys.executable, os.path.join(HERE, "rcp_proxy.py"), "--link", link]
    # node 2: test_spinel_link's ot-rcp is node 1 on the same PORT_OFFSET rule
    argv += ["--control", ctl, "--rcp", os.path.abspath(rcp), "--node", "2"]
    proxy = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=tmp, env=env)
    events = []

    def next_event(prefix, secs=3.0):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            r, _, _ = select.select([proxy.stdout], [], [], end - time.monotonic())
            if r:
                line = proxy.stdout.readline().strip()
                events.append(line)
                if line.startswith(prefix):
                    return line
        fail("no '%s' event (events: %s)" % (prefix, events))

    def control(cmd):
        with open(ctl, "w") as f:
            f.write(cmd + "\n")

    try:
        ready = next_event("ready")
        rcp_pid = int(ready.rsplit("=", 1)[1])
        host = Host(link)
        if not host.probe():
            fail("no protocol version answer through the proxy")
        print("ok probe", flush=True)

        control("reset-notify")
        next_event("reset-notify")
        if not host.wait_for(RESET_NOTIFICATION):
            fail("reset notification not seen")
        print("ok reset-notify", flush=True)

        control("garbage 7")
        next_event("garbage 7")
        if len(host.read_for(0.3)) != 7:
            fail("garbage: not 7 bytes")
        print("ok garbage", flush=True)

        control("truncate")
        next_event("truncate armed")
        os.write(host.fd, PROBE)
        line = next_event("truncated")
        got = host.read_for(0.5)
        if ANSWER in got:
            fail("truncate: the whole answer arrived (%s)" % got.hex())
        print("ok truncate (%s, host got %s)" % (line, got.hex()), flush=True)
        if not host.probe():
            fail("no answer after truncate")

        control("delay 400")
        next_event("delay 400")
        t0 = time.monotonic()
        if not host.probe():
            fail("no answer with delay")
        took = time.monotonic() - t0
        if took < 0.38:
            fail("delay 400: answered in %.3f s" % took)
        control("delay 0")
        next_event("delay 0")
        t0 = time.monotonic()
        host.probe()
        if time.monotonic() - t0 > 0.3:
            fail("delay 0: still slow")
        print("ok delay (%.0f ms)" % (took * 1000), flush=True)

        control("kill")
        line = next_event("kill")
        if not host.wait_for(RESET_BODY):
            fail("kill: the new RCP's reset notification not seen")
        try:
            os.kill(rcp_pid, 0)
            fail("kill: the old RCP %d still runs" % rcp_pid)
        except ProcessLookupError:
            pass
        if not host.probe():
            fail("no answer from the new RCP")
        print("ok kill (%s)" % line, flush=True)

        control("unplug 1")
        next_event("unplug 1")
        if os.path.lexists(link):
            fail("unplug: the symlink is still there")
        # The host sees the hang-up (EOF or EIO) on its side.
        r, _, _ = select.select([host.fd], [], [], 1.0)
        try:
            data = os.read(host.fd, 100)
        except OSError:
            data = b""
        if r and data:
            fail("unplug: the host still reads data")
        host.close()
        next_event("replug", 3.0)
        host = Host(link)
        if not host.probe():
            fail("no answer after replug")
        print("ok unplug", flush=True)

        new_pid = int(line.rsplit("=", 1)[1])
        proxy.send_signal(signal.SIGTERM)
        if proxy.wait(5) != 0:
            fail("proxy exit status %s on SIGTERM" % proxy.returncode)
        try:
            os.kill(new_pid, 0)
            fail("SIGTERM: the RCP %d still runs" % new_pid)
        except ProcessLookupError:
            pass
        if os.path.lexists(link):
            fail("SIGTERM: the symlink is still there")
        host.close()
        print("ok sigterm", flush=True)

        # quit, on a fresh proxy
        proxy = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=tmp, env=env)
        next_event("ready")
        control("bogus")
        next_event("bad-command")
        control("quit")
        next_event("quit")
        if proxy.wait(5) != 0:
            fail("quit: exit status %s" % proxy.returncode)
        print("ok quit; PASS", flush=True)
        return 0
    finally:
        if proxy.poll() is None:
            proxy.kill()
            proxy.wait()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
