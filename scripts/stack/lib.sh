# shellcheck shell=bash
# Messages, small predicates and the lock, shared by every part of stack.sh.

log() { echo "stack: $*"; }
warn() { echo "stack: $*" >&2; }
die() { warn "$*"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
now() { date +%s; }
is_local() { case "$1" in 127.* | localhost | ::1 | '[::1]') return 0 ;; *) return 1 ;; esac; }

# Serialises up/down (and the one-off jar download). Children started while it is held get
# `9>&-` so that a long-lived broker or daemon never inherits the lock.
lock() {
  exec 9>"$LOCK_FILE"
  if have flock; then
    flock -w 300 9 || die "another 'stack.sh' is still busy (lock $LOCK_FILE)"
  fi
}
