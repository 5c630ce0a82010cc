#!/usr/bin/env bash
# Real Kafka-protocol test brokers on loopback with MSK-like listeners: one tansu 0.6.0 process (sqlite storage,
# its own database file) per listener, stunnel in front of the TLS ones.
#
#   scripts/broker.sh start|stop|status
#   scripts/broker.sh restart NAME [DOWN_SECS]   (fault injection: one tansu broker down and up again)
#
# Listeners (public port -> path); every tansu advertises the public port, so clients always come back through it:
#   PLAINTEXT                 127.0.0.1:$P_PLAIN      (19092) -> tansu plain.db
#   SSL                       127.0.0.1:$P_TLS        (19094) -> stunnel -> tansu 127.0.0.1:$B_TLS   (29094) tls.db
#   SSL + client certificate  127.0.0.1:$P_MTLS       (19095) -> stunnel (requireCert, verifyChain, ca-bundle)
#                                                                         -> tansu 127.0.0.1:$B_MTLS  (29095) mtls.db
#   SASL_SSL SCRAM-SHA-512/256 127.0.0.1:$P_SCRAM     (19096) -> stunnel -> tansu --authentication
#                                                                         127.0.0.1:$B_SCRAM (29096) scram.db
#   SASL_PLAINTEXT SCRAM      127.0.0.1:$P_SASL_PLAIN (19097) -> tansu --authentication sasl_plain.db
#   PLAINTEXT memory://       127.0.0.1:$P_MEMORY     (19093) -> tansu memory:// (only with MSKGATE_BROKER_MEMORY=1,
#                                                                and only if tansu has the dynostore feature)
#
# Environment (all optional):
#   MSKGATE_BROKER_WORK      work directory: sqlite files, logs, PID files, ports.env (default .broker/ at repo root)
#   P_PLAIN P_TLS P_MTLS P_SCRAM P_SASL_PLAIN P_MEMORY   public ports
#   B_TLS B_MTLS B_SCRAM     backend ports of the terminated listeners (default public + 10000)
#   MSKGATE_SCRAM_USER       SCRAM user (default test-user)
#   MSKGATE_SCRAM_PASSWORD   SCRAM password (default scram-pw-CANARY-3Jd, as in fixtures/secrets/scram.json)
#   MSKGATE_OWNER_PID        when set, a watchdog stops everything once that process is gone
#   MSKGATE_BROKER_MEMORY=1  also start the memory:// broker
#   MSKGATE_BROKER_READY_SECS readiness deadline per listener (default 30)
#   MSKGATE_TANSU MSKGATE_PKI  see scripts/env.sh
# `start` writes $MSKGATE_BROKER_WORK/ports.env (shell-sourceable) describing every listener, the CA, the client
# certificates and the SCRAM credentials. Readiness = a Kafka ApiVersions round trip through each listener's own
# transport. `stop` kills by saved PID (stunnel SIGTERM, tansu SIGINT) and waits for every process to exit.
# `restart NAME [DOWN_SECS]` (NAME = plain|tls|mtls|scram|sasl_plain) stops that one tansu process as `stop` does,
# waits DOWN_SECS (default 0), starts it again on the same ports and sqlite file, and waits for its ApiVersions
# answer; stunnel, the other brokers and the watchdog keep running.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/env.sh
. "$HERE/env.sh"

SELF=$HERE/broker.sh
W=$MSKGATE_BROKER_WORK
H=127.0.0.1
P_PLAIN=${P_PLAIN:-19092}
P_TLS=${P_TLS:-19094}
P_MTLS=${P_MTLS:-19095}
P_SCRAM=${P_SCRAM:-19096}
P_SASL_PLAIN=${P_SASL_PLAIN:-19097}
P_MEMORY=${P_MEMORY:-19093}
B_TLS=${B_TLS:-$((P_TLS + 10000))}
B_MTLS=${B_MTLS:-$((P_MTLS + 10000))}
B_SCRAM=${B_SCRAM:-$((P_SCRAM + 10000))}
SCRAM_USER=${MSKGATE_SCRAM_USER:-test-user}
SCRAM_PASSWORD=${MSKGATE_SCRAM_PASSWORD:-scram-pw-CANARY-3Jd}
READY_SECS=${MSKGATE_BROKER_READY_SECS:-30}
STOP_SECS=10
PKI=$MSKGATE_PKI/rsa
ROGUE=$MSKGATE_PKI/rogue
TANSU=$MSKGATE_TANSU
# Every process this script starts, in stop order (the watchdog is handled apart).
COMPONENTS=(stunnel plain tls mtls scram sasl_plain memory scram-setup sasl_plain-setup)

say() { printf 'broker.sh: %s\n' "$*"; }
err() { printf 'broker.sh: error: %s\n' "$*" >&2; }
die() { err "$*"; exit 1; }

# --- processes -------------------------------------------------------------------------------------------------
# alive PID: the process exists and is not a zombie (orphans may wait a while for init to reap them).
alive() {
  local state
  [ -r "/proc/$1/stat" ] || return 1
  state=$(sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# pid_of NAME: the saved PID if that process is still ours (alive, and its command line names what we started).
pid_of() {
  local f="$W/$1.pid" pid want
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  case $1 in stunnel) want=stunnel ;; watchdog) want=broker.sh ;; *) want=tansu ;; esac
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$want" || return 1
  echo "$pid"
}

log_tail() { # log_tail NAME: the last lines of a component's log, for error messages
  if [ -s "$W/$1.log" ]; then
    { echo "--- last lines of $W/$1.log:"; tail -n 15 "$W/$1.log"; } >&2
  fi
}

# tansu_start NAME DB_NAME LISTEN_PORT ADVERTISED_PORT [extra args]: one broker, cwd = work dir, own session
# (so a terminal's Ctrl-C does not reach it; the watchdog or `stop` ends it), output to NAME.log.
tansu_start() {
  local name=$1 db=$2 lp=$3 ap=$4 storage
  shift 4
  case $db in memory) storage=memory://tansu/ ;; *) storage=sqlite://$db.db ;; esac
  (
    cd "$W"
    # tansu reads these from the environment when the flag is absent; keep a caller's values out.
    unset CLUSTER_ID SCHEMA_REGISTRY OTEL_EXPORTER_OTLP_ENDPOINT DATA_LAKE
    export NO_COLOR=1 RUST_BACKTRACE=0 # plain logs; a panic (e.g. address in use) stays within the log tail shown on failure
    exec setsid "$TANSU" broker --listener-url "tcp://$H:$lp" --advertised-listener-url "tcp://$H:$ap" \
      --storage-engine "$storage" --silent "$@"
  ) >> "$W/$name.log" 2>&1 < /dev/null &
  echo $! > "$W/$name.pid"
}

# stop_component NAME SIGNAL: signal the saved PID, wait up to STOP_SECS, then SIGKILL. Fails if it survives.
stop_component() {
  local name=$1 sig=$2 pid i
  if ! pid=$(pid_of "$name"); then
    rm -f "$W/$name.pid"
    return 0
  fi
  kill "-$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_SECS * 10; i++)); do
    alive "$pid" || { rm -f "$W/$name.pid"; return 0; }
    sleep 0.1
  done
  err "$name (pid $pid) ignored SIG$sig for ${STOP_SECS}s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    alive "$pid" || { rm -f "$W/$name.pid"; return 0; }
    sleep 0.1
  done
  err "$name (pid $pid) is still running"
  return 1
}

# --- readiness -----------------------------------------------------------------------------------------------
# ready PORT [openssl s_client args]: one Kafka ApiVersions v0 request (correlation id 1) over plain TCP, or over TLS
# through openssl; succeeds when the response carries correlation id 1 and error_code 0.
ready() {
  local port=$1 resp
  shift
  local req='\x00\x00\x00\x0f\x00\x12\x00\x00\x00\x00\x00\x01\x00\x05ready'
  if [ $# -eq 0 ]; then
    resp=$({ exec 3<> "/dev/tcp/$H/$port" && printf '%b' "$req" >&3 && timeout 2 head -c 10 <&3 | od -An -tx1; } 2> /dev/null) || true
  else
    # -no_ign_eof: -quiet implies -ign_eof, which would make every probe wait for the timeout.
    resp=$({ printf '%b' "$req"; sleep 0.5; } | timeout 5 openssl s_client -quiet -no_ign_eof -verify_return_error \
      -connect "$H:$port" "$@" 2> /dev/null | head -c 10 | od -An -tx1) || true
  fi
  # shellcheck disable=SC2086 # word splitting normalises od's spacing
  [ "$(echo $resp | cut -d' ' -f5-10)" = "00 00 00 01 00 00" ]
}

# wait_ready LABEL PORT PIDNAMES [openssl args]: retry `ready` every 0.3 s until READY_SECS; fail early when one of
# the processes behind the listener (comma-separated PID file names) has exited.
wait_ready() {
  local label=$1 port=$2 names=$3 deadline=$((SECONDS + READY_SECS)) n
  shift 3
  while :; do
    ready "$port" "$@" && return 0
    for n in ${names//,/ }; do
      if ! pid_of "$n" > /dev/null; then
        err "$label: $n exited before 127.0.0.1:$port answered ApiVersions"
        log_tail "$n"
        return 1
      fi
    done
    if [ $SECONDS -ge $deadline ]; then
      err "$label: no ApiVersions answer on 127.0.0.1:$port within ${READY_SECS}s"
      for n in ${names//,/ }; do log_tail "$n"; done
      return 1
    fi
    sleep 0.3
  done
}

# wait_all: wait for background readiness jobs; fail if any failed.
wait_all() {
  local pid rc=0
  for pid in "$@"; do wait "$pid" || rc=1; done
  return $rc
}

port_in_use() { (exec 3<> "/dev/tcp/$H/$1") 2> /dev/null; }

# --- start -----------------------------------------------------------------------------------------------------
check_prerequisites() {
  [ -x "$TANSU" ] || die "tansu not found at '$TANSU'; run scripts/install-test-deps.sh (or set MSKGATE_TANSU)"
  local version engines
  version=$("$TANSU" --version 2>&1 | head -n 1) || die "'$TANSU --version' failed: $version"
  [ "$version" = "tansu 0.6.0" ] || die "'$TANSU' is '$version', need tansu 0.6.0; run scripts/install-test-deps.sh"
  engines=$("$TANSU" --help 2>&1 | grep -i '^storage engines:' || true)
  case $engines in *libsql*) ;; *)
    die "'$TANSU' lacks the libsql feature (${engines:-no storage engines}); run scripts/install-test-deps.sh" ;;
  esac
  HAS_DYNOSTORE=0
  case $engines in *dynostore*) HAS_DYNOSTORE=1 ;; esac
  command -v stunnel > /dev/null || die "stunnel not found; run scripts/install-test-deps.sh (Debian: stunnel4)"
  command -v openssl > /dev/null || die "openssl not found; run scripts/install-test-deps.sh"
  command -v setsid > /dev/null || die "setsid not found (util-linux)"
  local f
  for f in "$PKI/root.pem" "$PKI/ca-bundle.pem" "$PKI/server-chain.pem" "$PKI/server.key" "$PKI/client.pem" \
    "$PKI/client.key" "$ROGUE/root.pem" "$ROGUE/client.pem" "$ROGUE/client.key"; do
    [ -r "$f" ] || die "missing test PKI file $f (generated by fixtures/gen.sh; or set MSKGATE_PKI)"
  done
  case $SCRAM_PASSWORD$SCRAM_USER in *"'"* | *$'\n'*) die "SCRAM user/password must not contain ' or newlines" ;; esac
  case $W in *"'"* | *$'\n'*) die "work directory must not contain ' or newlines: $W" ;; esac
}

start() {
  local started=$SECONDS n running=()
  check_prerequisites
  mkdir -p "$W"
  W=$(cd "$W" && pwd)
  for n in "${COMPONENTS[@]}" watchdog; do
    if pid_of "$n" > /dev/null; then running+=("$n"); fi
  done
  [ ${#running[@]} -eq 0 ] || die "already running in $W (${running[*]}); run '$0 stop' first"
  rm -f "$W/ports.env"

  local memory=0
  if [ "${MSKGATE_BROKER_MEMORY:-0}" = 1 ]; then
    if [ "$HAS_DYNOSTORE" = 1 ]; then
      memory=1
    else
      say "MSKGATE_BROKER_MEMORY=1 but '$TANSU' lacks the dynostore feature: skipping the memory:// broker" \
        "(rebuild with MSKGATE_TANSU_FEATURES=libsql,dynostore scripts/install-test-deps.sh)"
    fi
  fi

  local ports=("$P_PLAIN" "$P_TLS" "$P_MTLS" "$P_SCRAM" "$P_SASL_PLAIN" "$B_TLS" "$B_MTLS" "$B_SCRAM") p
  [ $memory = 1 ] && ports+=("$P_MEMORY")
  if [ "$(printf '%s\n' "${ports[@]}" | sort -u | wc -l)" -ne ${#ports[@]} ]; then
    die "ports must be distinct: ${ports[*]}"
  fi
  for p in "${ports[@]}"; do
    port_in_use "$p" && die "127.0.0.1:$p is already in use (another broker? set P_*/B_* to free ports)"
  done

  # From here on, a failure (set -e) stops whatever was started. Subshells do not inherit the EXIT trap.
  trap 'err "start failed; stopping what was started (logs in $W)"; stop_all || true' EXIT

  # 1. SCRAM users: a short-lived unauthenticated tansu on each authenticated broker's sqlite file creates them (an
  #    --authentication broker refuses AlterUserScramCredentials before login), then exits.
  tansu_start scram-setup scram "$B_SCRAM" "$B_SCRAM"
  tansu_start sasl_plain-setup sasl_plain "$P_SASL_PLAIN" "$P_SASL_PLAIN"
  wait_ready "scram setup" "$B_SCRAM" scram-setup & local j1=$!
  wait_ready "sasl_plain setup" "$P_SASL_PLAIN" sasl_plain-setup & local j2=$!
  wait_all $j1 $j2
  local port mech
  for port in "$B_SCRAM" "$P_SASL_PLAIN"; do
    for mech in scram512 scram256; do
      "$TANSU" user create --broker "tcp://$H:$port" --mechanism "$mech" -- "$SCRAM_USER" "$SCRAM_PASSWORD" \
        >> "$W/user-create.log" 2>&1 || { err "tansu user create ($mech) on port $port failed"; log_tail user-create; false; }
    done
  done
  stop_component scram-setup INT
  stop_component sasl_plain-setup INT

  # 2. the brokers
  tansu_start plain plain "$P_PLAIN" "$P_PLAIN"
  tansu_start tls tls "$B_TLS" "$P_TLS"
  tansu_start mtls mtls "$B_MTLS" "$P_MTLS"
  tansu_start scram scram "$B_SCRAM" "$P_SCRAM" --authentication
  tansu_start sasl_plain sasl_plain "$P_SASL_PLAIN" "$P_SASL_PLAIN" --authentication
  if [ $memory = 1 ]; then tansu_start memory memory "$P_MEMORY" "$P_MEMORY"; fi

  # 3. the TLS terminator
  cat > "$W/stunnel.conf" << CONF
; generated by scripts/broker.sh
foreground = yes
pid =
debug = warning
socket = l:TCP_NODELAY=1
socket = r:TCP_NODELAY=1
cert = $PKI/server-chain.pem
key = $PKI/server.key

[tls]
accept = $H:$P_TLS
connect = $H:$B_TLS

[mtls]
accept = $H:$P_MTLS
connect = $H:$B_MTLS
CAfile = $PKI/ca-bundle.pem
verifyChain = yes
requireCert = yes

[scram_tls]
accept = $H:$P_SCRAM
connect = $H:$B_SCRAM
CONF
  (exec setsid stunnel "$W/stunnel.conf") >> "$W/stunnel.log" 2>&1 < /dev/null &
  echo $! > "$W/stunnel.pid"

  # 4. readiness, through every listener's own transport (ApiVersions is allowed before SASL authentication)
  local jobs=()
  wait_ready PLAINTEXT "$P_PLAIN" plain & jobs+=($!)
  wait_ready TLS "$P_TLS" tls,stunnel -CAfile "$PKI/root.pem" & jobs+=($!)
  wait_ready mTLS "$P_MTLS" mtls,stunnel -CAfile "$PKI/root.pem" -cert "$PKI/client.pem" -key "$PKI/client.key" & jobs+=($!)
  wait_ready SASL_SSL "$P_SCRAM" scram,stunnel -CAfile "$PKI/root.pem" & jobs+=($!)
  wait_ready SASL_PLAINTEXT "$P_SASL_PLAIN" sasl_plain & jobs+=($!)
  if [ $memory = 1 ]; then
    wait_ready memory "$P_MEMORY" memory &
    jobs+=($!)
  fi
  wait_all "${jobs[@]}"

  # 5. the owner watchdog
  if [ -n "${MSKGATE_OWNER_PID:-}" ]; then
    if ! [[ $MSKGATE_OWNER_PID =~ ^[0-9]+$ ]] || ! alive "$MSKGATE_OWNER_PID"; then
      err "MSKGATE_OWNER_PID=$MSKGATE_OWNER_PID is not a running process"
      false
    fi
    MSKGATE_BROKER_WORK=$W setsid bash "$SELF" __watchdog "$MSKGATE_OWNER_PID" >> "$W/watchdog.log" 2>&1 < /dev/null &
    echo $! > "$W/watchdog.pid"
  fi

  trap - EXIT
  write_ports_env "$memory"
  say "ready in $((SECONDS - started))s (work dir $W):"
  say "  PLAINTEXT $H:$P_PLAIN  SSL $H:$P_TLS  SSL+client-cert $H:$P_MTLS  SASL_SSL/SCRAM $H:$P_SCRAM" \
    " SASL_PLAINTEXT/SCRAM $H:$P_SASL_PLAIN$([ $memory = 1 ] && echo "  PLAINTEXT/memory $H:$P_MEMORY")"
  say "  client settings: $W/ports.env"
}

write_ports_env() {
  local memory=$1 tmp="$W/ports.env.tmp"
  {
    echo "# written by scripts/broker.sh start; shell-sourceable"
    echo "MSKGATE_BROKER_WORK='$W'"
    echo "MSKGATE_PLAINTEXT_BOOTSTRAP='$H:$P_PLAIN'"
    echo "MSKGATE_TLS_BOOTSTRAP='$H:$P_TLS'"
    echo "MSKGATE_MTLS_BOOTSTRAP='$H:$P_MTLS'"
    echo "MSKGATE_SCRAM_TLS_BOOTSTRAP='$H:$P_SCRAM'"
    echo "MSKGATE_SCRAM_PLAINTEXT_BOOTSTRAP='$H:$P_SASL_PLAIN'"
    if [ "$memory" = 1 ]; then echo "MSKGATE_MEMORY_BOOTSTRAP='$H:$P_MEMORY'"; fi
    echo "MSKGATE_TLS_BACKEND='$H:$B_TLS'"
    echo "MSKGATE_MTLS_BACKEND='$H:$B_MTLS'"
    echo "MSKGATE_SCRAM_TLS_BACKEND='$H:$B_SCRAM'"
    echo "MSKGATE_SSL_CA_LOCATION='$PKI/root.pem'"
    echo "MSKGATE_SSL_CERTIFICATE_LOCATION='$PKI/client.pem'"
    echo "MSKGATE_SSL_KEY_LOCATION='$PKI/client.key'"
    echo "MSKGATE_ROGUE_CA_LOCATION='$ROGUE/root.pem'"
    echo "MSKGATE_ROGUE_CERTIFICATE_LOCATION='$ROGUE/client.pem'"
    echo "MSKGATE_ROGUE_KEY_LOCATION='$ROGUE/client.key'"
    echo "MSKGATE_SCRAM_USER='$SCRAM_USER'"
    echo "MSKGATE_SCRAM_PASSWORD='$SCRAM_PASSWORD'"
    echo "MSKGATE_SCRAM_MECHANISMS='SCRAM-SHA-512 SCRAM-SHA-256'"
    echo "MSKGATE_TANSU='$TANSU'"
  } > "$tmp"
  mv "$tmp" "$W/ports.env"
}

# --- stop / status -----------------------------------------------------------------------------------------
stop_all() {
  local rc=0 n
  # stunnel first (SIGTERM: started from a script it ignores SIGINT), then tansu (SIGINT exits at once; SIGTERM
  # would wait up to 5 s).
  stop_component stunnel TERM || rc=1
  for n in "${COMPONENTS[@]}"; do
    [ "$n" = stunnel ] && continue
    stop_component "$n" INT || rc=1
  done
  return $rc
}

stop() {
  [ -d "$W" ] || { say "nothing to stop ($W does not exist)"; return 0; }
  W=$(cd "$W" && pwd)
  local pid rc=0
  # The watchdog, unless it is the one running this stop.
  if pid=$(pid_of watchdog) && [ "$pid" != $$ ]; then
    kill -TERM "$pid" 2> /dev/null || true
  fi
  stop_all || rc=1
  rm -f "$W/watchdog.pid" "$W/ports.env"
  if [ $rc -eq 0 ]; then say "stopped (work dir $W)"; else err "some processes could not be stopped"; fi
  return $rc
}

status() {
  [ -d "$W" ] || { say "not running ($W does not exist)"; return 3; }
  W=$(cd "$W" && pwd)
  local n pid up=0 down=0
  for n in "${COMPONENTS[@]}" watchdog; do
    [ -f "$W/$n.pid" ] || continue
    if pid=$(pid_of "$n"); then
      say "$n: running (pid $pid)"
      up=$((up + 1))
    else
      say "$n: NOT running (stale $W/$n.pid)"
      down=$((down + 1))
    fi
  done
  if [ $up -eq 0 ]; then say "not running"; return 3; fi
  [ -f "$W/ports.env" ] && say "listeners: $(grep -o '^MSKGATE_[A-Z_]*BOOTSTRAP=[^ ]*' "$W/ports.env" | tr '\n' ' ')"
  [ $down -eq 0 ]
}

# restart NAME [DOWN_SECS]: one tansu broker down, then up again on the same ports and storage.
restart() {
  local name=${1:-} down=${2:-0} lp ap extra=()
  [ -f "$W/ports.env" ] || die "not running in $W (no ports.env; run '$0 start' first)"
  W=$(cd "$W" && pwd)
  [[ $down =~ ^[0-9]+([.][0-9]+)?$ ]] || die "DOWN_SECS must be a number of seconds, not '$down'"
  # shellcheck disable=SC1091 # written by write_ports_env
  . "$W/ports.env"
  TANSU=$MSKGATE_TANSU
  case $name in
    plain) lp=${MSKGATE_PLAINTEXT_BOOTSTRAP##*:} ap=$lp ;;
    tls) lp=${MSKGATE_TLS_BACKEND##*:} ap=${MSKGATE_TLS_BOOTSTRAP##*:} ;;
    mtls) lp=${MSKGATE_MTLS_BACKEND##*:} ap=${MSKGATE_MTLS_BOOTSTRAP##*:} ;;
    scram) lp=${MSKGATE_SCRAM_TLS_BACKEND##*:} ap=${MSKGATE_SCRAM_TLS_BOOTSTRAP##*:} extra=(--authentication) ;;
    sasl_plain) lp=${MSKGATE_SCRAM_PLAINTEXT_BOOTSTRAP##*:} ap=$lp extra=(--authentication) ;;
    *) die "restart: NAME must be plain, tls, mtls, scram or sasl_plain, not '$name'" ;;
  esac
  pid_of "$name" > /dev/null || die "restart: $name is not running in $W"
  stop_component "$name" INT
  say "$name stopped; starting it again in ${down}s"
  sleep "$down"
  echo "--- restarted by broker.sh restart" >> "$W/$name.log"
  tansu_start "$name" "$name" "$lp" "$ap" "${extra[@]}"
  wait_ready "$name" "$lp" "$name"
  say "$name ready again on 127.0.0.1:$lp"
}

# The owner watchdog: poll the owner, then stop everything and drop the sqlite files (logs stay for debugging).
watchdog() {
  local owner=$1
  say "watching pid $owner (watchdog pid $$)"
  while alive "$owner"; do sleep 0.5; done
  say "owner $owner is gone; stopping the brokers"
  stop || true
  rm -f "$W"/*.db "$W"/*.db-*
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  restart) restart "${2:-}" "${3:-}" ;;
  __watchdog) watchdog "$2" ;;
  *) echo "usage: $0 start|stop|status|restart NAME [DOWN_SECS]" >&2; exit 2 ;;
esac
