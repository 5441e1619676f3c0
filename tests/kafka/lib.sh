# Shared by the broker-backed test scripts: sourced, not run.
# KAFKA_BOOTSTRAP_SERVERS comes from tests/run, which started the broker.
set -u
topic() { echo "t-$1-$$-$(date +%s%N | tail -c 7)"; }
now_ms() { date +%s%3N; }
fail() { echo "FAIL: $*"; exit 1; }
# Reads a whole topic: every message value, one per line.
read_topic() { _rt=$1; shift; kconsume -q -t "$_rt" --idle-timeout 2 "$@"; }
