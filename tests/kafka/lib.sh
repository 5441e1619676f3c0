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
