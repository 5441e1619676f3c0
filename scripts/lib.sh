# Shared by spotify-to-kafka and verify-topic: sourced, not run (bash).

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
	[ ${#lib_pids[@]} -eq 0 ] || kill -TERM "${lib_pids[@]}" 2> /dev/null
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
