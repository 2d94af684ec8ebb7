#!/usr/bin/env bash
# Prepares the side-by-side benchmark's contenders. Never fails the run: a contender whose
# install fails is reported by the harness as "unavailable: reason".
#   - kafkajs, @platformatic/kafka and node-rdkafka are installed in their own prefix bench/peers,
#     not by the project's `npm ci`: contributors who never run the benchmark don't get them.
#   - node-rdkafka (optional there) builds against the system librdkafka (Debian's librdkafka-dev,
#     BUILD_LIBRDKAFKA=0), so a failed native build only skips that contender.
#   - Java's ProducerPerformance comes from the Kafka jars the harness fetches with ensureKafka().
#   - franz-go (optional) is built from bench/franz-go when Go is available (again when main.go changes).
#   - bench/java/WebServiceProducer.java (workload 6) is compiled by run.ts against the same jars.
set -u
cd "$(dirname "$0")"
log=peers/setup.log
: >"$log"

if [ "${BENCH_SKIP_SETUP:-0}" = "1" ]; then exit 0; fi

if ! [ -f /usr/include/librdkafka/rdkafka.h ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "bench setup: installing librdkafka-dev with apt-get..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq librdkafka-dev build-essential) >>"$log" 2>&1 ||
      echo "bench setup: apt-get install librdkafka-dev failed (see bench/$log)" >&2
  else
    echo "bench setup: librdkafka-dev missing and not root; node-rdkafka will be unavailable" >&2
  fi
fi

if ! [ -f peers/node_modules/kafkajs/package.json ] || ! [ -f peers/node_modules/@platformatic/kafka/package.json ]; then
  echo "bench setup: installing kafkajs and @platformatic/kafka in bench/peers..." >&2
  (cd peers && BUILD_LIBRDKAFKA=0 npm install --no-audit --no-fund >>setup.log 2>&1) ||
    echo "bench setup: npm install in bench/peers failed (see bench/$log)" >&2
fi

if ! [ -f peers/node_modules/node-rdkafka/build/Release/node-librdkafka.node ]; then
  echo "bench setup: building node-rdkafka against the system librdkafka..." >&2
  (cd peers && BUILD_LIBRDKAFKA=0 npm install --no-audit --no-fund >>setup.log 2>&1 &&
    BUILD_LIBRDKAFKA=0 npm rebuild node-rdkafka >>setup.log 2>&1) ||
    echo "bench setup: node-rdkafka build failed (see bench/$log)" >&2
fi

if [ -f franz-go/go.mod ] && command -v go >/dev/null && { ! [ -x franz-go/franz-bench ] || [ franz-go/main.go -nt franz-go/franz-bench ]; }; then
  echo "bench setup: building the franz-go contender..." >&2
  (cd franz-go && go build -o franz-bench . >>../"$log" 2>&1) || echo "bench setup: franz-go build failed (see bench/$log)" >&2
fi
exit 0
