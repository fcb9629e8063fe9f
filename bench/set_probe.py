#!/usr/bin/env python3
"""A write probe in its own process (no GIL shared with the bench's poller): SET in a loop on one
raw RESP connection; for each request it records (monotonic start, latency) in seconds. On SIGTERM
it writes the pairs as native doubles to OUT and exits. Usage: set_probe.py HOST PORT OUT"""
import array
import gc
import signal
import socket
import sys
import time

host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
gc.disable()
s = socket.create_connection((host, port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
reqs = [f"*3\r\n$3\r\nSET\r\n${len(k)}\r\n{k}\r\n$1\r\nx\r\n".encode()
        for k in (f"probe:{i}" for i in range(1000))]
samples = array.array("d")
clock = time.monotonic
i = 0
while not stop:
    t0 = clock()
    s.sendall(reqs[i % 1000])
    got = b""
    while not got.endswith(b"\r\n"):
        chunk = s.recv(64)
        if not chunk:
            raise SystemExit("connection closed")
        got += chunk
    samples.append(t0)
    samples.append(clock() - t0)
    i += 1
with open(out, "wb") as f:
    samples.tofile(f)
