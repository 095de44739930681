"""A live index: file notifications in, runs of the incremental `index` out (`parallax
watch`, `parallax serve --watch`).

changes          which notifications call for a run, and when (debouncing)
notifications    inotify through watchfiles, or polling where notifications fall short
watcher          the loop: runs of build_index, one line of summary each
presence         one watcher per index (`WATCHER`), and its record for other processes
status           what /api/status says: generation, when published, the watcher's state
"""

from parallax.watching.changes import Change, Pending
from parallax.watching.notifications import Mode
from parallax.watching.presence import WatcherRunning, after_watcher, read_watcher
from parallax.watching.watcher import RunSummary, Watcher, WatchListener, WatchOptions

__all__ = ["Change", "Mode", "Pending", "RunSummary", "WatchListener", "WatchOptions",
           "Watcher", "WatcherRunning", "after_watcher", "read_watcher"]
