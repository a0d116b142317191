"""What the stand-alone benchmarks record about the run: memory of a process, load, commit, hardware."""

import os
import platform
import subprocess
from pathlib import Path


def status_kb(field, pid="self"):
    """A ``kB`` field of ``/proc/<pid>/status`` (``RssAnon``, ``VmRSS``...): 0 when absent, None for a gone process."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def git_commit():
    """The checked-out commit, with ``+changes`` when skal/ has uncommitted edits (what the numbers ran on)."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "skal"], cwd=root, capture_output=True, text=True)
    except OSError:
        return "unknown"
    return head.stdout.strip() + (" +changes" if dirty.stdout.strip() else "")


def load_average():
    """The 1, 5 and 15 minute load averages, as /proc/loadavg gives them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine():
    """``"<cores>-core <arch>, <RAM> GiB RAM"``: the hardware, nothing else about the machine."""
    mem = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem = int(line.split()[1])
    return f"{os.cpu_count()}-core {platform.machine()}, {mem / 2**20:.0f} GiB RAM"
