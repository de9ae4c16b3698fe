#!/usr/bin/env python3
"""A fault-injecting stand-in for a UART-attached RCP, for integration tests.

    rcp_proxy.py --link PATH --control FIFO [--rcp OT_RCP] [--node ID] [--seed N]

Creates a pseudo-terminal pair and a symlink at PATH to its slave (the host
opens PATH as spinel+hdlc+uart://PATH), starts `OT_RCP ID` (default
../shared/ot/ot-rcp 1, the environment's PORT_OFFSET, this directory) with
pipes, and forwards bytes both ways (one select loop, no busy wait). The
proxy keeps the slave open itself, raw, so that the host may close and
reopen PATH and no echo reaches the RCP.

The control FIFO (created when missing) takes one command per line:
    garbage N      N random bytes to the host (at most 65536)
    truncate       the next RCP->host HDLC frame is cut in half (its first
                   half and a closing flag: the host sees a bad FCS)
    delay MS       hold RCP->host bytes for MS ms from now on (0: off)
    reset-notify   inject the Spinel reset notification (LAST_STATUS
                   RESET_POWER_ON) toward the host
    kill           kill -9 the RCP and start a new one, as a dongle that
                   rebooted: the new one sends its own reset notification
    unplug S       close the pty, remove the symlink; S seconds later a new
                   pty and symlink (a USB re-enumeration); RCP output is
                   dropped meanwhile
    quit           exit
One line per event on stdout ("ready ...", "garbage 5", "kill pid=1 new=2",
...). SIGTERM (or quit): the RCP is killed, the symlink removed, exit 0.
"""

import argparse
import collections
import os
import random
import select
import signal
import subprocess
import sys
import time
import tty

FLAG = 0x7E
ESC = 0x7D


def fcs16(data):
    """HDLC-lite FCS (RFC 1662 FCS-16), as OpenThread's src/lib/hdlc."""
    fcs = 0xFFFF
    for b in data:
        fcs ^= b
        for _ in range(8):
            fcs = (fcs >> 1) ^ 0x8408 if fcs & 1 else fcs >> 1
    return fcs ^ 0xFFFF


def hdlc_frame(payload):
    fcs = fcs16(payload)
    raw = bytes(payload) + bytes([fcs & 0xFF, fcs >> 8])
    out = bytearray([FLAG])
    for b in raw:
        if b in (0x7E, 0x7D, 0x11, 0x13, 0xF8):
            out += bytes([ESC, b ^ 0x20])
        else:
            out.append(b)
    out.append(FLAG)
    return bytes(out)


# Spinel: header 0x80 (flag, IID 0, TID 0), CMD_PROP_VALUE_IS (6),
# PROP_LAST_STATUS (0), STATUS_RESET_POWER_ON (112).
RESET_NOTIFICATION = hdlc_frame(b"\x80\x06\x00\x70")


class Proxy:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.master = self.slave = -1
        self.rcp = None
        self.delay_ms = 0
        self.truncate = False
        self.frame = bytearray()  # RCP->host bytes of the frame in progress
        self.out = collections.deque()  # (release time, bytes) toward the host
        self.replug_at = None
        self.stop = False
        self.sig_r, self.sig_w = os.pipe()
        os.set_blocking(self.sig_w, False)

    def event(self, line):
        print(line, flush=True)

    # -- the pty and the symlink --
    def plug(self):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        name = os.ttyname(self.slave)
        self.unlink()
        os.symlink(name, self.args.link)
        return name

    def unlink(self):
        try:
            if os.path.islink(self.args.link):
                os.unlink(self.args.link)
        except OSError:
            pass

    def unplug(self):
        for fd in (self.master, self.slave):
            if fd >= 0:
                os.close(fd)
        self.master = self.slave = -1
        self.unlink()
        self.out.clear()
        self.frame.clear()

    # -- the RCP --
    def start_rcp(self):
        self.rcp = subprocess.Popen(
            [self.args.rcp, str(self.args.node)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            start_new_session=True,
        )
        os.set_blocking(self.rcp.stdout.fileno(), False)
        return self.rcp.pid

    def kill_rcp(self):
        if self.rcp is None:
            return None
        try:
            self.rcp.kill()
        except ProcessLookupError:
            pass
        status = self.rcp.wait()
        for f in (self.rcp.stdin, self.rcp.stdout):
            try:
                f.close()
            except OSError:
                pass
        self.rcp = None
        return status

    # -- RCP -> host --
    def to_host(self, data):
        if self.master < 0 or not data:
            return
        self.out.append((time.monotonic() + self.delay_ms / 1000.0, bytes(data)))
        self.flush_out()

    def flush_out(self):
        now = time.monotonic()
        while self.out and self.out[0][0] <= now and self.master >= 0:
            _, data = self.out.popleft()
            try:
                n = os.write(self.master, data)
            except BlockingIOError:
                n = 0
            except OSError as e:
                self.event("host-write-error %s" % e.strerror)
                return
            if n < len(data):  # the host does not read: drop the rest
                self.event("host-overflow dropped=%d" % (len(data) - n))

    def from_rcp(self, data):
        """Passed on unchanged, in chunks that end at each flag, so that
        truncate can cut the next whole frame."""
        for b in data:
            self.frame.append(b)
            if b != FLAG:
                continue
            chunk, self.frame = bytes(self.frame), bytearray()
            if self.truncate and len(chunk) > 4:  # a frame, not a lone flag
                self.truncate = False
                cut = chunk[: (len(chunk) - 1) // 2] + bytes([FLAG])
                self.event("truncated %d -> %d bytes" % (len(chunk), len(cut)))
                chunk = cut
            self.to_host(chunk)

    # -- commands --
    def command(self, line):
        words = line.split()
        if not words:
            return
        cmd, rest = words[0], words[1:]
        try:
            if cmd == "garbage" and len(rest) == 1:
                n = min(max(0, int(rest[0])), 65536)
                self.to_host(bytes(self.rng.randrange(256) for _ in range(n)))
                self.event("garbage %d" % n)
            elif cmd == "truncate" and not rest:
                self.truncate = True
                self.event("truncate armed")
            elif cmd == "delay" and len(rest) == 1:
                self.delay_ms = max(0, int(rest[0]))
                self.event("delay %d" % self.delay_ms)
            elif cmd == "reset-notify" and not rest:
                self.to_host(RESET_NOTIFICATION)
                self.event("reset-notify")
            elif cmd == "kill" and not rest:
                old = self.rcp.pid if self.rcp else 0
                status = self.kill_rcp()
                self.frame = bytearray()
                new = self.start_rcp()
                self.event("kill pid=%d status=%s new=%d" % (old, status, new))
            elif cmd == "unplug" and len(rest) == 1:
                secs = float(rest[0])
                self.unplug()
                self.replug_at = time.monotonic() + secs
                self.event("unplug %g" % secs)
            elif cmd == "quit" and not rest:
                self.event("quit")
                self.stop = True
            else:
                self.event("bad-command %r" % line)
        except ValueError:
            self.event("bad-command %r" % line)

    def open_fifo(self):
        path = self.args.control
        if not os.path.exists(path):
            os.mkfifo(path, 0o600)
        r = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        # Our own writer: the FIFO never reads end-of-file between clients.
        w = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        return r, w

    def run(self):
        signal.signal(signal.SIGTERM, lambda *_: os.write(self.sig_w, b"t"))
        signal.signal(signal.SIGINT, lambda *_: os.write(self.sig_w, b"t"))
        fifo_r, fifo_w = self.open_fifo()
        pty_name = self.plug()
        pid = self.start_rcp()
        self.event("ready link=%s pty=%s rcp-pid=%d" % (self.args.link, pty_name, pid))
        ctl = bytearray()
        while not self.stop:
            fds = [self.sig_r, fifo_r]
            if self.master >= 0:
                fds.append(self.master)
            if self.rcp:
                fds.append(self.rcp.stdout.fileno())
            deadlines = []
            if self.out:
                deadlines.append(self.out[0][0])
            if self.replug_at is not None:
                deadlines.append(self.replug_at)
            timeout = None
            if deadlines:
                timeout = max(0.0, min(deadlines) - time.monotonic())
            try:
                ready, _, _ = select.select(fds, [], [], timeout)
            except InterruptedError:
                continue
            if self.sig_r in ready:
                self.event("sigterm")
                break
            if self.replug_at is not None and time.monotonic() >= self.replug_at:
                self.replug_at = None
                self.event("replug pty=%s" % self.plug())
            if self.rcp and self.rcp.stdout.fileno() in ready:
                try:
                    data = os.read(self.rcp.stdout.fileno(), 4096)
                except BlockingIOError:
                    data = None
                if data == b"":  # the RCP died on its own: as a rebooted dongle
                    status = self.kill_rcp()
                    self.frame = bytearray()
                    self.event("rcp-exited status=%s new=%d" % (status, self.start_rcp()))
                elif data:
                    self.from_rcp(data)
            if self.master >= 0 and self.master in ready:
                try:
                    data = os.read(self.master, 4096)
                except (BlockingIOError, OSError):
                    data = b""
                if data and self.rcp:
                    try:
                        self.rcp.stdin.write(data)
                    except (BrokenPipeError, OSError):
                        pass  # the RCP is dying; kill/rcp-exited restarts it
            if fifo_r in ready:
                ctl += os.read(fifo_r, 4096)
                while b"\n" in ctl:
                    line, _, rest = bytes(ctl).partition(b"\n")
                    ctl = bytearray(rest)
                    self.command(line.decode("utf-8", "replace"))
            self.flush_out()
        self.kill_rcp()
        self.unplug()
        os.close(fifo_r)
        os.close(fifo_w)
        return 0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_rcp = os.path.join(here, "..", "..", "..", "shared", "ot", "ot-rcp")
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--link", required=True, help="symlink path to the pty slave")
    p.add_argument("--control", required=True, help="control FIFO path")
    p.add_argument("--rcp", default=default_rcp, help="the ot-rcp program")
    p.add_argument("--node", type=int, default=1, help="ot-rcp node id (1..33)")
    p.add_argument("--seed", type=int, default=1, help="seed for garbage bytes")
    args = p.parse_args()
    if not os.access(args.rcp, os.X_OK):
        print("rcp_proxy: %s is not an executable" % args.rcp, file=sys.stderr)
        return 2
    return Proxy(args).run()


if __name__ == "__main__":
    sys.exit(main())
