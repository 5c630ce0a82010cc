"""Prints argv[1] bytes to stdout and to stderr (default 8 MiB), without reading stdin."""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 8 * 1024 * 1024
chunk = b"x" * 65536
for out in (sys.stdout.buffer, sys.stderr.buffer):
    left = n
    while left > 0:
        out.write(chunk[: min(left, len(chunk))])
        left -= len(chunk)
    out.flush()
