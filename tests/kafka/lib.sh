# Shared by the broker-backed test scripts: sourced, not run.
# KAFKA_BOOTSTRAP_SERVERS comes from tests/run, which started the broker.
set -u
topic() { echo "t-$1-$$-$(date +%s%N | tail -c 7)"; }
now_ms() { date +%s%3N; }
fail() { echo "FAIL: $*"; exit 1; }
# Reads a whole topic: every message value, one per line.
read_topic() { _rt=$1; shift; kconsume -q -t "$_rt" --idle-timeout 2 "$@"; }
# The newest live process named NAME among PID's descendants: a test ends or
# watches only what it started, never someone else's process of that name.
tree_pid() {	# pid, name
	ps -e -o pid=,ppid=,stat=,comm= | awk -v root="$1" -v name="$2" '
	    { parent[$1] = $2; live[$1] = $3 !~ /^Z/; comm[$1] = $4 }
	    END { for (p in parent) {
	        if (comm[p] != name || !live[p]) continue
	        for (q = parent[p]; q != "" && q != 0 && q != root; q = parent[q]) ;
	        if (q == root && p + 0 > found + 0) found = p }
	      if (!found) exit 1; print found }'
}
# Waits until FILE has a line matching the basic regex RE, asked every
# 0.1 s for at most S seconds; the test fails, naming what it waited for, when
# the time runs out or when PID (if given) ends first, and PID is ended.
wait_line() {	# file, regex, seconds[, pid]
	_wl=0
	until grep -q -e "$2" "$1" 2> /dev/null; do
		if [ -n "${4:-}" ] && ! kill -0 "$4" 2> /dev/null; then
			grep -q -e "$2" "$1" 2> /dev/null && break
			fail "process $4 ended before '$2' in $1: $(tail -n 5 "$1" 2> /dev/null)"
		fi
		_wl=$((_wl + 1))
		if [ $_wl -ge $(($3 * 10)) ]; then
			[ -z "${4:-}" ] || kill "$4" 2> /dev/null
			fail "no '$2' in $1 after $3 s: $(tail -n 5 "$1" 2> /dev/null)"
		fi
		sleep 0.1
	done
}
# The number of kpublish -v's last "batch N:" line in FILE (0 if none).
last_batch() { sed -n 's/.*kpublish: batch \([0-9]*\):.*/\1/p' "$1" | tail -n 1 | grep . || echo 0; }
# The number of kpublish -v's last "transaction N committed" line (0 if none).
last_commit() { sed -n 's/.*kpublish: transaction \([0-9]*\) committed.*/\1/p' "$1" | tail -n 1 | grep . || echo 0; }
# Until PID has ended, at most S seconds (asked every 0.1 s): 1 if it lives on.
wait_gone() {	# pid, seconds
	_wg=0
	while kill -0 "$1" 2> /dev/null; do
		_wg=$((_wg + 1)); [ $_wg -lt $(($2 * 10)) ] || return 1
		sleep 0.1
	done
}
# A broker of this test's own (kafka-local start's options: --nodes 3 ...)
# in ./cluster, its address exported, stopped when the test ends.
own_broker() {
	export KAFKA_LOCAL_RUN="$PWD/cluster"
	trap '"$TOP/scripts/kafka-local" stop > /dev/null 2>&1' EXIT
	"$TOP/scripts/kafka-local" start --port 0 "$@" 2> start.log ||
	    fail "start: $(tail -n 5 start.log)"
	eval "export $("$TOP/scripts/kafka-local" env)"
}
# The node that leads partition P of topic T, asked again until the
# metadata names one (a topic just made may not be known to every node
# yet): at most 20 tries, 0.5 s apart.
leader_of() {	# topic, partition
	_try=0
	while [ $_try -lt 20 ]; do
		_leader=$(kcat -L -b "$KAFKA_BOOTSTRAP_SERVERS" -t "$1" 2> /dev/null |
		    sed -n "s/.*partition $2, leader \([0-9]*\),.*/\1/p")
		[ -n "$_leader" ] && { echo "$_leader"; return 0; }
		_try=$((_try + 1))
		sleep 0.5
	done
	return 1
}
# Until a node other than OLD leads partition P of topic T (the cluster has
# seen OLD gone and elected another): at most S seconds; 1 if it never did.
wait_leader_moved() {	# topic, partition, old, seconds
	_end=$(( $(date +%s) + $4 ))
	while [ "$(date +%s)" -lt $_end ]; do
		_now=$(leader_of "$1" "$2") && [ "$_now" != "$3" ] && return 0
		sleep 0.2
	done
	return 1
}
