# shellcheck shell=bash
# stack.sh's settings: where things live and the ports, heap and timeouts, each from its environment
# variable or a default (the header of scripts/stack.sh lists them). Sourced first: the other parts
# read these globals, and use_node / use_sasl_ssl re-point the per-broker ones at another broker.
# shellcheck disable=SC2034 # globals set here are read in the other parts (shellcheck -x scripts/stack.sh sees them all)

STACK_SRC="$ROOT/stack"
POM="$STACK_SRC/pom.xml"

STACK_DIR="${DOMS_STACK_DIR:-$ROOT/.stack}"
mkdir -p "$STACK_DIR"
STACK_DIR="$(cd "$STACK_DIR" && pwd)"

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
[[ -n $KAFKA_VERSION ]] || { echo "stack: cannot read <kafka.version> from $POM" >&2; exit 1; }
# The jars can live apart from the broker's data, so a second broker (the outage tests' own) shares them.
JARS_DIR="${DOMS_JARS_DIR:-$STACK_DIR}"
KAFKA_DIR="$JARS_DIR/kafka-$KAFKA_VERSION"
LIBS="$KAFKA_DIR/libs"
JARS_MARKER="$KAFKA_DIR/.complete"
CLASSPATH_GLOB="$LIBS/*"

DATA_DIR="$STACK_DIR/data"
KAFKA_DATA_DIR="$DATA_DIR/kraft-combined-logs"
LOG_DIR="$STACK_DIR/logs"
KAFKA_LOG="$LOG_DIR/kafka.log"
KAFKA_OUT="$LOG_DIR/kafka.out"
PID_FILE="$STACK_DIR/kafka.pid"
CONF="$STACK_DIR/server.properties"
TOOLS_LOG4J="$STACK_DIR/tools-log4j.properties"
LOCK_FILE="$STACK_DIR/.lock"
CONF_TEMPLATE="$STACK_SRC/server.properties"
# What the messages call the broker; the cluster's nodes are kafka-1, kafka-2, ...
BROKER_NAME=kafka
NODE_ID=1
QUORUM_VOTERS=""
CLUSTER_ID_FILE=""

KAFKA_HOST="${KAFKA_HOST:-127.0.0.1}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_ADVERTISED_HOST="${KAFKA_ADVERTISED_HOST:-localhost}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_OPTS="${KAFKA_OPTS:-}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-20}"
CLUSTER_DIR="$STACK_DIR/cluster"
CLUSTER_PORT="${CLUSTER_PORT:-19092}"
CLUSTER_HEAP_OPTS="${CLUSTER_HEAP_OPTS:--Xms128m -Xmx384m}"
SASL_DIR="$STACK_DIR/sasl-ssl"
SASL_SSL_PORT="${SASL_SSL_PORT:-29093}"
SASL_SSL_HEAP_OPTS="${SASL_SSL_HEAP_OPTS:--Xms64m -Xmx256m}"
SASL_USER=doms
SASL_PASSWORD=doms-secret
# Set by `--sasl-ssl`; the template placeholders below are only in stack/sasl-ssl.properties.
SASL_SSL=0
SSL_DIR=""
SSL_STORE_PASSWORD=""
# The variable that moves the selected broker's port (for messages).
PORT_VAR=KAFKA_PORT
# Extra arguments to `kafka-storage format` (the SASL_SSL broker's SCRAM users).
FORMAT_ARGS=()
# Set by `--brokers N`: 1 is the single dev broker, 3 (or more) the cluster.
BROKERS=1
# Where the probes connect: the listen address, unless it listens on every interface.
case "$KAFKA_HOST" in 0.0.0.0 | '' | '::') KAFKA_PROBE_HOST=127.0.0.1 ;; *) KAFKA_PROBE_HOST="$KAFKA_HOST" ;; esac

REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
REDIS_PORT="${REDIS_PORT:-6379}"
PG_HOST="${PG_HOST:-127.0.0.1}"
PG_PORT="${PG_PORT:-5432}"
