#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft) broker for tests, from Maven Central jars (no Docker).
# Usage: scripts/kafka/kafka.sh start|stop|status     (see scripts/kafka/README.md)
#   KAFKA_SECURITY=sasl_ssl: a second, separate broker with a SASL_SSL listener (default ports 29094/29095),
#   certificates made at start with openssl/keytool and SCRAM users created by `StorageTool format --add-scram`.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
POM="$SCRIPT_DIR/pom.xml"

KAFKA_SECURITY="${KAFKA_SECURITY:-plaintext}"
case "$KAFKA_SECURITY" in
  plaintext) KAFKA_PORT="${KAFKA_PORT:-19092}"; KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}" ;;
  sasl_ssl)  KAFKA_PORT="${KAFKA_PORT:-29094}"; KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-29095}" ;;
  *) echo "[kafka] ERROR: KAFKA_SECURITY must be plaintext or sasl_ssl" >&2; exit 2 ;;
esac
KAFKA_HOST=127.0.0.1                       # kafkajs cannot use IPv6: never "localhost"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms512m -Xmx1g}"

STATE_DIR="${KAFKA_STATE_DIR:-$ROOT/.kafka}"   # git-ignored
LIBS="$STATE_DIR/libs"
if [[ "$KAFKA_PORT" == 19092 ]]; then sfx=""; else sfx="-$KAFKA_PORT"; fi
PROPS="$STATE_DIR/server$sfx.properties"
LOG="$STATE_DIR/broker$sfx.log"
PIDFILE="$STATE_DIR/broker$sfx.pid"
DATA="$STATE_DIR/data-$KAFKA_PORT"
CLUSTER_ID_FILE="$STATE_DIR/cluster-id-$KAFKA_PORT"
LOCK="$STATE_DIR/kafka.lock"
# SASL_SSL mode: certificates and credentials (made on the first start, kept with the data).
SECURE_DIR="$STATE_DIR/sasl-ssl-$KAFKA_PORT"

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")"

say() { echo "[kafka] $*" >&2; }
die() { echo "[kafka] ERROR: $*" >&2; exit 1; }

port_open() { # host port
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

broker_pid() { # prints pid if the pid file names a live broker of ours
  [[ -s "$PIDFILE" ]] || return 1
  local pid; pid="$(cat "$PIDFILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $PROPS" || return 1
  echo "$pid"
}

ensure_topics() {
  if [[ "$KAFKA_SECURITY" == sasl_ssl ]]; then
    # The client settings a service would use (scripts/kafka/README.md): the same variables, the same builder.
    KAFKA_SSL=true KAFKA_SSL_CA_FILE="$SECURE_DIR/ca.pem" KAFKA_SASL_MECHANISM=scram-sha-512 \
      KAFKA_SASL_USERNAME="$(cat "$SECURE_DIR/username")" KAFKA_SASL_PASSWORD_FILE="$SECURE_DIR/password" \
      KAFKA_BROKERS="$KAFKA_HOST:$KAFKA_PORT" KAFKA_TOPICS_APPLY=true node "$SCRIPT_DIR/ensure-topics.js"
  else
    KAFKA_BROKERS="$KAFKA_HOST:$KAFKA_PORT" KAFKA_TOPICS_APPLY=true node "$SCRIPT_DIR/ensure-topics.js"
  fi
}

# A test CA, the broker's certificate for 127.0.0.1 (PKCS12 keystore), a truststore with the CA (keytool),
# a client certificate for mTLS, a second CA that signed nothing here (the "untrusted" case), and
# random passwords. Made once: the broker's data holds SCRAM credentials made from the same files.
make_secrets() {
  [[ -s "$SECURE_DIR/.complete" ]] && return 0
  command -v openssl >/dev/null || die "openssl not found (needed for KAFKA_SECURITY=sasl_ssl)"
  command -v keytool >/dev/null || die "keytool not found (the JDK's; needed for KAFKA_SECURITY=sasl_ssl)"
  rm -rf "$SECURE_DIR" "$DATA" "$CLUSTER_ID_FILE"
  mkdir -p "$SECURE_DIR"; chmod 700 "$SECURE_DIR"
  (
    cd "$SECURE_DIR"
    local sub=(-subj) store
    store="$(openssl rand -hex 16)"; echo "$store" >store-password
    openssl rand -hex 16 >password; openssl rand -hex 16 >admin-password; echo pgw >username
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -keyout ca.key -out ca.pem "${sub[@]}" "/CN=pgw test CA" 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -keyout untrusted-ca.key -out untrusted-ca.pem \
      "${sub[@]}" "/CN=pgw untrusted CA" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >broker.ext
    openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr "${sub[@]}" "/CN=127.0.0.1" 2>/dev/null
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile broker.ext \
      -out broker.pem 2>/dev/null
    openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker \
      -out broker.p12 -passout "pass:$store"
    keytool -importcert -noprompt -alias ca -file ca.pem -keystore truststore.p12 -storetype PKCS12 \
      -storepass "$store" >/dev/null 2>&1
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr "${sub[@]}" "/CN=pgw-client" 2>/dev/null
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile client.ext \
      -out client.pem 2>/dev/null
    rm -f ./*.csr ./*.ext ./*.srl
    chmod 600 ./*
    echo ok >.complete
  ) || die "making the test certificates failed"
}

fetch_jars() {
  local marker="$LIBS/.complete" want
  want="kafka_2.13-$KAFKA_VERSION pom-sha256=$(sha256sum "$POM" | cut -d' ' -f1)"
  if [[ -f "$marker" && "$(cat "$marker")" == "$want" ]] && compgen -G "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (needed once to fetch the Kafka jars into $LIBS)"
  say "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIBS ..."
  rm -rf "$LIBS"; mkdir -p "$LIBS"
  mvn -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIBS" \
    </dev/null >"$STATE_DIR/mvn.log" 2>&1 \
    || { tail -n 40 "$STATE_DIR/mvn.log" >&2; die "mvn dependency:copy-dependencies failed (full output: $STATE_DIR/mvn.log)"; }
  compgen -G "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null || die "kafka_2.13-$KAFKA_VERSION.jar missing after mvn"
  echo "$want" >"$marker"
}

listener_props() {
  if [[ "$KAFKA_SECURITY" != sasl_ssl ]]; then
    cat <<PROPS
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
PROPS
    return
  fi
  local store admin user pw
  store="$(cat "$SECURE_DIR/store-password")"; admin="$(cat "$SECURE_DIR/admin-password")"
  user="$(cat "$SECURE_DIR/username")"; pw="$(cat "$SECURE_DIR/password")"
  # SASL_SSL only (the controller listener stays on loopback, plaintext, as in the plain broker).
  # SCRAM users live in the cluster metadata (format --add-scram); PLAIN users in the JAAS line.
  cat <<PROPS
listeners=SASL_SSL://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=SASL_SSL://$KAFKA_HOST:$KAFKA_PORT
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin";
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin" user_admin="$admin" user_$user="$pw";
ssl.keystore.type=PKCS12
ssl.keystore.location=$SECURE_DIR/broker.p12
ssl.keystore.password=$store
ssl.key.password=$store
ssl.truststore.type=PKCS12
ssl.truststore.location=$SECURE_DIR/truststore.p12
ssl.truststore.password=$store
ssl.client.auth=requested
ssl.endpoint.identification.algorithm=https
PROPS
}

write_props() {
  mkdir -p "$DATA"
  cat >"$PROPS" <<PROPS
# Generated by scripts/kafka/kafka.sh - do not edit (rewritten on every start).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
$(listener_props)
log.dirs=$DATA
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
num.network.threads=2
num.io.threads=4
log.cleaner.min.compaction.lag.ms=0
PROPS
}

JAVA_OPTS=(
  $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
  -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
  -Dorg.slf4j.simpleLogger.showDateTime=true
  "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss,SSS"
  -Dorg.slf4j.simpleLogger.defaultLogLevel=info
  -Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients=warn
)

format_storage() {
  local id
  # Already formatted (restart with existing data): skip the extra JVM launch (~2 s);
  # equivalent to what `format --ignore-formatted` would do.
  [[ -s "$DATA/meta.properties" && -s "$CLUSTER_ID_FILE" ]] && return 0
  if [[ -s "$CLUSTER_ID_FILE" ]]; then
    id="$(cat "$CLUSTER_ID_FILE")"
  else
    id="$(java -cp "$LIBS/*" kafka.tools.StorageTool random-uuid 2>>"$LOG" | tail -n1)"
    [[ "$id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "StorageTool random-uuid returned '$id' (see $LOG)"
    echo "$id" >"$CLUSTER_ID_FILE"
  fi
  local scram=()
  if [[ "$KAFKA_SECURITY" == sasl_ssl ]]; then
    local admin user pw
    admin="$(cat "$SECURE_DIR/admin-password")"; user="$(cat "$SECURE_DIR/username")"; pw="$(cat "$SECURE_DIR/password")"
    scram=(--add-scram "SCRAM-SHA-512=[name=admin,password=$admin]" --add-scram "SCRAM-SHA-256=[name=admin,password=$admin]"
      --add-scram "SCRAM-SHA-512=[name=$user,password=$pw]" --add-scram "SCRAM-SHA-256=[name=$user,password=$pw]")
  fi
  java -cp "$LIBS/*" kafka.tools.StorageTool format -t "$id" -c "$PROPS" --ignore-formatted "${scram[@]}" </dev/null >>"$LOG" 2>&1 \
    || { tail -n 30 "$LOG" >&2; die "StorageTool format failed"; }
}

launch() {
  # setsid: own session, so the broker survives the caller (Jest, a terminal) and its signals.
  # All of stdin/stdout/stderr are redirected and the lock fd is closed, so nothing the caller
  # waits on (execFileSync pipes, the flock) stays open in the broker.
  # The inner shell writes its own pid and then execs java, so the pid file is java's pid.
  nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PIDFILE" \
    java "${JAVA_OPTS[@]}" -cp "$LIBS/*" kafka.Kafka "$PROPS" \
    </dev/null >>"$LOG" 2>&1 9>&- &
  disown || true
}

wait_ready() {
  local t0=$SECONDS pid
  while ! port_open "$KAFKA_HOST" "$KAFKA_PORT"; do
    if ! pid="$(broker_pid)"; then
      # pid file may not be written yet right after launch
      if (( SECONDS - t0 > 5 )); then
        say "broker process exited; last lines of $LOG:"; tail -n 40 "$LOG" >&2
        die "Kafka broker failed to start"
      fi
    fi
    if (( SECONDS - t0 >= KAFKA_START_TIMEOUT )); then
      say "broker not listening on $KAFKA_HOST:$KAFKA_PORT after ${KAFKA_START_TIMEOUT}s; last lines of $LOG:"
      tail -n 40 "$LOG" >&2
      die "Kafka broker start timed out"
    fi
    sleep 0.3
  done
}

cmd_start() {
  local t0; t0=$(date +%s.%N)
  if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    # A secured broker is only usable with the certificates and users it was started with, which live in
    # the state dir of the checkout that started it: never reuse another checkout's (exit 3: try a port).
    if [[ "$KAFKA_SECURITY" == sasl_ssl ]] && ! broker_pid >/dev/null; then
      say "a broker not started from this checkout listens on $KAFKA_HOST:$KAFKA_PORT; its certificates are not ours (choose another KAFKA_PORT)"
      exit 3
    fi
    say "broker already up at $KAFKA_HOST:$KAFKA_PORT, reusing it"
    KAFKA_READY_TIMEOUT_MS="${KAFKA_READY_TIMEOUT_MS:-30000}" ensure_topics \
      || die "something listens on $KAFKA_HOST:$KAFKA_PORT but is not a usable Kafka broker"
    return 0
  fi
  if port_open "$KAFKA_HOST" "$KAFKA_CONTROLLER_PORT" && ! broker_pid >/dev/null; then
    die "controller port $KAFKA_HOST:$KAFKA_CONTROLLER_PORT is in use by another process (set KAFKA_CONTROLLER_PORT)"
  fi
  command -v java >/dev/null || die "java not found (Java 17+ required)"
  fetch_jars
  if ! broker_pid >/dev/null; then
    rm -f "$PIDFILE"
    [[ -f "$LOG" ]] && mv -f "$LOG" "$LOG.1"
    [[ "$KAFKA_SECURITY" == sasl_ssl ]] && make_secrets
    write_props
    format_storage
    say "starting Kafka $KAFKA_VERSION ($KAFKA_SECURITY) on $KAFKA_HOST:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT, data $DATA, log $LOG)"
    launch
  else
    say "broker process $(broker_pid) exists but is not listening yet; waiting for it"
  fi
  wait_ready
  KAFKA_READY_TIMEOUT_MS="${KAFKA_READY_TIMEOUT_MS:-$((KAFKA_START_TIMEOUT * 1000))}" ensure_topics || {
    say "last lines of $LOG:"; tail -n 40 "$LOG" >&2; die "broker did not become usable"; }
  say "ready in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s (pid $(broker_pid || echo '?'))"
}

cmd_stop() {
  local pid
  if ! pid="$(broker_pid)"; then
    rm -f "$PIDFILE"
    if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
      say "no broker of ours running (something else listens on $KAFKA_PORT; left alone)"
    else
      say "not running"
    fi
    return 0
  fi
  say "stopping broker pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do              # controlled shutdown, up to 30 s
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "still alive after 30s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$PIDFILE"
  say "stopped"
}

cmd_status() {
  local pid=""
  pid="$(broker_pid || true)"
  if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    say "up at $KAFKA_HOST:$KAFKA_PORT${pid:+ (pid $pid)}"
    return 0
  fi
  say "down${pid:+ (process $pid exists but is not listening)}"
  return 1
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    start|stop|status) ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
  esac
  [[ "$cmd" == status ]] && { cmd_status; return; }
  mkdir -p "$STATE_DIR"
  exec 9>"$LOCK"
  flock -w 300 9 || die "could not get $LOCK within 300s"
  "cmd_$cmd"
}

main "$@"
