# Sourced by the kaggle-to-kafka tests, after tests/kafka/lib.sh and
# tests/kafka-eos/eos.sh: the Kaggle stand-in serving a zip of the test
# shop, and what each table's topic must hold.
shop=$TESTS/kafka-kaggle/shop
# serve ZIP: the stand-in (loopback only) answers any OWNER/SLUG with ZIP;
# stopped at exit. Downloads cached in this test's folder.
serve() {	# zip
	mkdir -p stub
	cp "$1" stub/data.zip
	python3 "$TESTS/kfetch/kaggle-stub.py" "$PWD/stub" &
	stub_pid=$!
	trap 'rm -f "$PWD/stub/data.zip"; kill $stub_pid 2> /dev/null; wait 2> /dev/null' EXIT
	_i=0
	while [ ! -f stub/ports ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	read -r _api _storage < stub/ports || fail "the Kaggle stand-in did not start"
	export KAGGLE_API_ENDPOINT="http://127.0.0.1:$_api"
	export XDG_CACHE_HOME="$PWD/cache" HOME="$PWD/home" XDG_DATA_HOME="$PWD/share"
	unset KAGGLE_API_TOKEN KAGGLE_USERNAME KAGGLE_KEY KAGGLE_CONFIG_DIR KAGGLE_DATASET
	mkdir -p "$HOME"
}
# same ZIP MEMBER TOPIC [TIMESTAMP-FIELD]: the topic's committed records
# are the member's rows, each once, with the index from 0 and the added
# time left out; prints the count.
same() {
	_ts=${4:-timestamp} _id=record_id
	[ "$_ts" = timestamp ] || _id=_record_id
	kunzip -m "$2" "$1" | csv2jsonl | jq -cS --arg t "$_ts" 'del(.[$t])' |
	    awk -v id="$_id" '{ sub(/}$/, ",\"" id "\":" NR - 1 "}"); print }' | jq -cS . | sort > want
	committed "$3" | jq -cS --arg t "$_ts" 'del(.[$t])' | sort > got
	cmp -s want got || fail "$3: $(wc -l < got) records, $(wc -l < want) rows: $(diff want got | head -n 4)"
	wc -l < got | tr -d ' '
}
