#!/usr/bin/env bash
# Starts the local backing services (PostgreSQL, Redis, RabbitMQ) when their port is closed,
# with the same commands the machine uses at boot, and waits (bounded) until each accepts
# connections. Services that are already up are left alone.
set -euo pipefail

WAIT_SECONDS="${SERVICE_WAIT_SECONDS:-120}"

port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

wait_for_port() {
  local name="$1" port="$2" deadline=$((SECONDS + WAIT_SECONDS))
  until port_open "$port"; do
    if ((SECONDS >= deadline)); then
      echo "services: $name did not open 127.0.0.1:$port within ${WAIT_SECONDS}s" >&2
      return 1
    fi
    sleep 1
  done
}

start_postgres() {
  # shellcheck disable=SC2046 # the machine's own start command, verbatim
  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
}

start_redis() {
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
}

start_rabbitmq() {
  rabbitmq-server -detached
}

ensure() {
  local name="$1" port="$2" starter="$3"
  if port_open "$port"; then
    echo "services: $name is up on 127.0.0.1:$port"
    return 0
  fi
  echo "services: $name is down on 127.0.0.1:$port; starting it"
  # A daemon must not inherit CI's stdout: whoever reads that pipe would wait for it forever.
  local log
  log="$(mktemp "/tmp/ci-$starter.XXXXXX.log")"
  if ! "$starter" </dev/null >"$log" 2>&1 || ! wait_for_port "$name" "$port"; then
    cat "$log" >&2
    echo "services: could not start $name (log: $log)" >&2
    return 1
  fi
  echo "services: $name is up on 127.0.0.1:$port"
}

ensure PostgreSQL 5432 start_postgres
ensure Redis 6379 start_redis
ensure RabbitMQ 5672 start_rabbitmq
