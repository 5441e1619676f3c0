# Sourced by the kfetch test scripts: starts the Kaggle stand-in (loopback
# only) with a generated zip (STUB_ROWS rows, 20000 by default), and stops
# it at exit.
set -u
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
done_checks() { echo "$fails failed"; [ "$fails" = 0 ]; }
stub=$PWD/stub
mkdir -p "$stub"
"$TOP/scripts/gen-spotify" -n "${STUB_ROWS:-20000}" -z "$stub/data.zip"
python3 "$TESTS/kfetch/kaggle-stub.py" "$stub" &
stub_pid=$!
trap 'rm -f "$stub/data.zip"; kill $stub_pid 2>/dev/null; wait 2>/dev/null' EXIT
i=0
while [ ! -f "$stub/ports" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
read -r api_port storage_port < "$stub/ports"
export KAGGLE_API_ENDPOINT="http://127.0.0.1:$api_port"
export XDG_CACHE_HOME="$PWD/cache" HOME="$PWD/home"
unset KAGGLE_API_TOKEN KAGGLE_USERNAME KAGGLE_KEY KAGGLE_CONFIG_DIR
mkdir -p "$HOME"
# Fast retries for tests: the backoff itself is tested by its messages.
kf() { kfetch --retry-delay 0.05 --no-cache "$@"; }
storage_auth() { jq -r 'select(.role == "storage") | .auth' "$stub/log" | grep -v '^null$'; }
