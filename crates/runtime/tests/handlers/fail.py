"""Fails with the exit status given as argv[1] (default 1), after reading the event."""
import sys

sys.stdin.read()
print("something went wrong", file=sys.stderr)
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
