# Shared by the exactly-once tests: sourced after tests/kafka/lib.sh.
# Values of a topic under read_committed, one per line.
committed() {
	kcat -b "$KAFKA_BOOTSTRAP_SERVERS" -C -t "$1" -X isolation.level=read_committed \
	    -e -q -o beginning -f '%s\n'
}
# The same once the topic holds at least N: a commit returns before its
# markers reach every partition, and a read_committed reader stops short of
# a transaction whose marker is still on the way (more so on a busy
# machine). Read again, 0.5 s apart, at most 20 times.
committed_wait() {	# topic, n
	_cw=0
	while committed "$1" > committed.out; [ "$(wc -l < committed.out)" -lt "$2" ] && [ $_cw -lt 20 ]; do
		_cw=$((_cw + 1)); sleep 0.5
	done
	cat committed.out
}
# Lines {"record_id":1} .. {"record_id":N}.
rows() { seq "${2:-1}" "$1" | sed 's/.*/{"record_id":&}/'; }
# Every record_id 1..N exactly once in the topic, and nothing else; the
# figures (records, twice, missing, and what a read_uncommitted reader sees,
# aborted records included) are printed either way.
check_once() {
	committed_wait "$1" "$2" | sed 's/.*"record_id":\([0-9]*\).*/\1/' | sort -n > got.ids
	_missing=$(awk -v n="$2" '{ c[$1] = 1 }
	    END { for (i = 1; i <= n; i++) m += !(i in c); print m + 0 }' got.ids)
	_fig="$(wc -l < got.ids) records read_committed, $(uniq -d got.ids | wc -l) twice, $_missing missing of $2"
	seq 1 "$2" | cmp -s - got.ids || fail "topic $1: $_fig"
	_all=$(kcat -b "$KAFKA_BOOTSTRAP_SERVERS" -C -t "$1" -X isolation.level=read_uncommitted \
	    -e -q -o beginning -f '\n' | wc -l)
	echo "topic: $_fig; $_all read_uncommitted"
}
# A random pause in [lo, hi) seconds, from the process id and a counter:
# kill_runs sleeps it before a kill, the random point being the fault itself.
pause() { awk -v s="$$$3" -v lo="$1" -v hi="$2" 'BEGIN { srand(s); printf "%.2f", lo + rand() * (hi - lo) }'; }
# kill_runs [-c] K LO HI CMD...: runs CMD, SIGKILLs it after a random pause,
# K times, then runs CMD until it exits 0, at most 5 times. A run that ends
# by itself before its kill fails the test (the load is too short: the
# fault did not land); with CMD's -v, each kill is told after how many of
# that run's commits it landed. -c: the pause starts at the run's first
# commit (waited for, at most 60 s), for a test whose kill must leave a
# checkpoint behind.
kill_runs() {
	_c=0; [ "$1" != -c ] || { _c=1; shift; }
	_k=$1 _lo=$2 _hi=$3; shift 3
	_kills=0 _i=0 _at=""
	while [ $_kills -lt "$_k" ]; do
		: > run.log	# emptied here: the run's own redirection comes later
		"$@" > run.log 2>&1 &
		_pid=$!
		[ $_c = 0 ] || wait_line run.log 'transaction 1 committed' 60 $_pid
		sleep "$(pause "$_lo" "$_hi" $_i)"
		_i=$((_i + 1))
		kill -KILL $_pid 2>/dev/null
		wait $_pid 2>/dev/null
		_st=$?
		cat run.log >> runs.log
		[ $_st = 137 ] ||
		    fail "the run ended (exit $_st) before kill $((_kills + 1)): $(tail -n 3 run.log)"
		_kills=$((_kills + 1))
		_at="$_at $(grep -c 'transaction [0-9]* committed' run.log)"
	done
	until_ok "$@"
	echo "$_kills kills, each mid-run, after$_at commits of its run; then $_runs runs to exit 0"
}
# until_ok CMD...: runs CMD until it exits 0, at most 5 times (_runs: how
# many), its output kept in runs.log.
until_ok() {
	_runs=0
	while [ $_runs -lt 5 ]; do
		_runs=$((_runs + 1))
		"$@" >> runs.log 2>&1 && return 0
	done
	fail "no run exited 0 in 5: $(tail -n 20 runs.log)"
}
