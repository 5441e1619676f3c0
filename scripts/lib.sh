# Shared by kaggle-to-kafka (spotify-to-kafka), verify-topic and
# kafka-local: sourced, not run (bash).
# shellcheck shell=bash

# Option errors: one line ("$prog: what"), the script's usage, exit 2, before
# any work starts. The script sets prog and defines usage().
# shellcheck disable=SC2154	# prog is the sourcing script's
usage_error() {	# message
	echo "$prog: $*" >&2
	usage >&2
	exit 2
}
# An option's value: the next argument, which must be there and not empty.
needs_value() {	# option, the arguments left after it...
	[ $# -ge 2 ] && [ -n "$2" ] || usage_error "option $1 needs a value"
}

# How a source file becomes CSV: "kunzip" when libarchive recognises it (zip,
# tar, gzip, bzip2, xz, lzma, lz4, zstd, as kunzip(1) lists), "cat" for
# anything else, so that a plain CSV always works, whatever its first bytes.
# Only the start of the file is looked at: kunzip knows from its first block
# whether it holds an archive, and says "not an archive" when it does not.
# An archive cut short in that start is still an archive (kunzip then fails
# with its own message when it reads the whole file).
source_reader() {	# file
	local why
	why=$(head -c 65536 -- "$1" | kunzip -l 2>&1 > /dev/null) && { echo kunzip; return; }
	case $why in
	*": not an archive"|*": empty input") echo cat ;;
	*) echo kunzip ;;
	esac
}

# The name of a field jsonl-enrich adds (timestamp, record_id) in a table
# whose first record (a JSON object) is in FILE: the name itself, or with a
# _ before it as many times as it takes to be none of the table's columns,
# nor TAKEN (the other added field), so that no line is refused for it.
# kaggle-to-kafka names them so; verify-topic finds them so.
added_field() {	# name, file, [taken]
	local f=$1
	while { [ -s "$2" ] && jq -e --arg f "$f" 'has($f)' "$2" > /dev/null 2>&1; } ||
	    [ "$f" = "${3:-}" ]; do
		f=_$f
	done
	printf '%s' "$f"
}

# The CSV of a source file on stdout, read as source_reader says.
source_csv() {	# file
	if [ "$(source_reader "$1")" = kunzip ]; then kunzip -- "$1"; else cat -- "$1"; fi
}

# Signals: a script that runs its work as background processes (by PID,
# never by name) passes INT, TERM and HUP on to them, then waits for them to
# end, so that nothing is left running and nothing is cleaned up under a
# process that still needs it. TERM is what is passed on: a background
# process of a shell without job control ignores INT.
lib_pids=() lib_signal="" lib_signals=0
lib_on_signal() {	# name
	lib_signal=$1
	lib_signals=$((lib_signals + 1))
	[ ${#lib_pids[@]} -eq 0 ] && return
	kill -TERM "${lib_pids[@]}" 2> /dev/null
	lib_watch_say signalled	# a second TERM would cut kpublish's drain short
}
lib_trap_signals() {
	trap 'lib_on_signal INT' INT
	trap 'lib_on_signal TERM' TERM
	trap 'lib_on_signal HUP' HUP
}
# Waits for one PID to end, through any signals caught meanwhile; returns
# its exit status.
lib_wait() {	# pid
	local before s="" t
	while :; do
		before=$lib_signals
		wait "$1"
		t=$?
		# Reaped while the trap ran: the status is the one already seen.
		[ -n "$s" ] && [ "$t" = 127 ] && return "$s"
		s=$t
		[ "$before" = "$lib_signals" ] && return "$s"
	done
}
# The exit status for the signal caught: 128 + its number.
lib_signal_status() {
	case $lib_signal in INT) echo 130 ;; TERM) echo 143 ;; HUP) echo 129 ;; *) echo 1 ;; esac
}

# A script killed outright (SIGKILL, the OOM killer) runs no trap: its
# stages, in sessions of their own, would run on and its work folder stay.
# So a watchdog, in a session of its own too, reads a pipe whose write end
# only the script holds (stages are started with it closed): the script
# tells it the work folder, each stage's PID, "signalled" once it has passed
# a signal on, "reset" once the stages it told of have ended (a job of
# several loads: their PIDs may be another process's later), and "done"
# when it ends by itself. End of file without
# "done": the script is dead; the watchdog sends TERM to the stages (unless
# the script did), gives them 15 s (kpublish commits or keeps what it read),
# then KILL, and removes the folder.
lib_watch_fd=""
lib_watch() {	# name (the watchdog's $0), work folder; writes "$work/pid"
	exec {lib_watch_fd}> >(exec setsid bash -c '. "$1" && lib_watchdog' "$1" \
	    "${BASH_SOURCE[0]}" > /dev/null)
	# Both PIDs: the folder is in use while either runs (lib_clean_stale).
	printf '%s\n' $$ $! > "$2/pid"
	lib_watch_say "dir $2"
}
lib_watch_say() {	# line
	# In a subshell: were the watchdog gone, SIGPIPE would end that, not
	# the script.
	[ -z "$lib_watch_fd" ] || (echo "$1" >&"$lib_watch_fd") 2> /dev/null
}
lib_watchdog() {	# reads the lines above on stdin
	local line dir="" pids=() signalled=0 i
	while IFS= read -r line; do
		case $line in
		"dir "*) dir=${line#dir } ;;
		"pid "*) pids+=("${line#pid }") ;;
		signalled) signalled=1 ;;
		reset) pids=() signalled=0 ;;	# the stages so far have ended
		done) return 0 ;;
		esac
	done
	if [ ${#pids[@]} -gt 0 ]; then
		if [ $signalled = 1 ]; then
			echo "$0: the job died while its stages were ending: waiting for them" >&2
		else
			echo "$0: the job died without ending its stages: stopping them" >&2
			kill -TERM "${pids[@]}" 2> /dev/null
		fi
		for ((i = 0; i < 170; i++)); do
			[ $i != 150 ] || kill -KILL "${pids[@]}" 2> /dev/null
			kill -0 "${pids[@]}" 2> /dev/null || break
			sleep 0.1
		done
	fi
	[ -z "$dir" ] || rm -rf -- "$dir"
}
# Does PID run the script NAME (a watchdog's $0 is NAME as well)?
lib_runs() {	# pid, name
	local args
	if [ -d /proc/self ]; then
		[ -r "/proc/$1/cmdline" ] || return 1
		args=$(tr '\0' ' ' < "/proc/$1/cmdline")
	else
		args=$(ps -o args= -p "$1" 2> /dev/null) || return 1
	fi
	case " $args " in *" $2 "*|*"/$2 "*) return 0 ;; esac
	return 1
}
# Removes the work folders (PREFIX*) of this user's jobs that died and
# whose watchdog could not clean up: those whose pid file names no live run
# of NAME. A folder without a pid file may be a job's that is just starting.
lib_clean_stale() {	# prefix, name
	local d p live
	for d in "$1"*; do
		[ -d "$d" ] && [ ! -L "$d" ] && [ -O "$d" ] && [ -f "$d/pid" ] || continue
		live=0
		while read -r p; do
			[[ $p =~ ^[0-9]+$ ]] && lib_runs "$p" "$2" && live=1
		done < "$d/pid"
		[ $live = 1 ] || rm -rf -- "$d"
	done
}
