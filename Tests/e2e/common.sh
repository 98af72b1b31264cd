# Helpers both end-to-end stages use (sourced): they expect BIN, WORK, PY, PASSED, FAILED and PIDS.

check() {  # check NAME COMMAND...: a passing command passes the check
    local name=$1; shift
    if "$@" >"$WORK/check.log" 2>&1; then
        PASSED=$((PASSED + 1)); echo "ok   $name"
    else
        FAILED=$((FAILED + 1)); echo "FAIL $name"; sed 's/^/     /' "$WORK/check.log" | head -20
    fi
}

start() {  # start NAME ARGS...: runs `messages-vcr serve --port 0 ARGS`, sets PORT
    local name=$1; shift
    "$BIN" serve --port 0 "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    PIDS+=($!)
    eval "PID_$name=$!"
    for _ in $(seq 1 100); do
        PORT=$(sed -n 's#^messages-vcr listening on http://127\.0\.0\.1:\([0-9]*\) .*#\1#p' "$WORK/$name.out")
        [ -n "$PORT" ] && return 0
        sleep 0.1
    done
    echo "server $name did not start:"; cat "$WORK/$name.err"; exit 1
}

stop() {  # stop NAME: SIGTERM, wait; returns the server's exit status
    local pid_var="PID_$1"
    kill -TERM "${!pid_var}" 2>/dev/null
    wait "${!pid_var}"
}

same_json() {  # same_json A B: equal once the timing field is dropped
    "$PY" - "$1" "$2" <<'PY'
import json, sys
def load(path):
    data = json.load(open(path))
    data.get("stream", {}).pop("seconds", None)
    return data
a, b = load(sys.argv[1]), load(sys.argv[2])
if a != b:
    print("recorded:", json.dumps(a, sort_keys=True)); print("replayed:", json.dumps(b, sort_keys=True)); sys.exit(1)
PY
}
