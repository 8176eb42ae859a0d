"""Output and argument helpers shared by the Python client scripts the compat tests run.

Every script prints one fact per line on stdout, tab-separated, first field the kind of fact:
  version   <component> <version>
  produced  <partition> <offset> <key> <value>
  consumed  <partition> <offset> <key> <value> <headers>
  committed <partition> <offset>
  topics    <name,name,...>          (sorted)
  created   <topic>  /  deleted <topic>
  time      <partition> <timestamp> <offset>   (offset -1: no record at or after the timestamp)
Headers print as name=value pairs joined by commas; a header with a null value prints as its bare name.
The clients' own logs go to stderr. Any failure exits non-zero.
"""
import os
import signal
import sys
import time


def fact(*fields):
    print("\t".join(str(f) for f in fields), flush=True)


def text(b):
    return None if b is None else b.decode("utf-8")


def headers_text(headers):
    parts = []
    for name, value in headers or []:
        parts.append(name if value is None else name + "=" + value.decode("utf-8"))
    return ",".join(parts)


def record(i, tag, null_header=True):
    """The i-th record a produce run sends: key, value and headers; the second header has a null value, or an
    empty one for a client that cannot send null header values."""
    return (tag + "-key-" + str(i)).encode(), (tag + "-value-" + str(i)).encode(), \
        [("seq", str(i).encode()), ("empty", None if null_header else b"")]


def deadline_guard(seconds):
    """Ends the process with exit code 3 if it still runs after `seconds`, so a hung client fails fast."""
    def expire(signum, frame):
        sys.stderr.write("still running after %d s\n" % seconds)
        sys.stderr.flush()
        os._exit(3)
    signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def passed(self):
        return time.monotonic() > self.end
