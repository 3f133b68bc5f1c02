# shellcheck shell=bash
# Redis and PostgreSQL belong to the machine: start them if they are installed but down.
# shellcheck disable=SC2012 # ls of version dirs is fine

redis_up() {
  local addr="$REDIS_HOST:$REDIS_PORT" i
  if redis_ready "$REDIS_HOST" "$REDIS_PORT"; then
    log "redis already up on $addr"
    return 0
  fi
  if ! is_local "$REDIS_HOST"; then
    warn "redis is down at $addr (not a local address, so not starting it)"
    return 1
  fi
  if ! have redis-server; then
    warn "redis is down at $addr and redis-server is not installed: apt-get install -y redis-server (or run Redis elsewhere and set REDIS_HOST/REDIS_PORT)"
    return 1
  fi
  log "starting redis on $addr"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" \
    --appendonly yes --appendfsync everysec --dir /var/lib/redis --logfile /var/log/redis/ci.log </dev/null >/dev/null 9>&- ||
    { warn "redis-server failed to start (see /var/log/redis/ci.log)"; return 1; }
  for ((i = 0; i < 40; i++)); do
    if redis_ready "$REDIS_HOST" "$REDIS_PORT"; then log "redis up on $addr"; return 0; fi
    sleep 0.25
  done
  warn "redis did not answer on $addr after start (see /var/log/redis/ci.log)"
  return 1
}

postgres_up() {
  local addr="$PG_HOST:$PG_PORT" version i
  if postgres_ready; then
    log "postgres already up on $addr"
    return 0
  fi
  if ! is_local "$PG_HOST"; then
    warn "postgres is down at $addr (not a local address, so not starting it)"
    return 1
  fi
  if ! have pg_ctlcluster || [[ ! -d /etc/postgresql ]] || [[ -z "$(ls /etc/postgresql 2>/dev/null)" ]]; then
    warn "postgres is down at $addr and PostgreSQL is not installed: apt-get install -y postgresql (or run it elsewhere and set PG_HOST/PG_PORT and DATABASE_URL)"
    return 1
  fi
  version="$(ls /etc/postgresql | sort -V | tail -n1)"
  log "starting postgres $version on $addr"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start </dev/null 9>&- ||
    { warn "pg_ctlcluster $version main start failed"; return 1; }
  for ((i = 0; i < 120; i++)); do
    if postgres_ready; then log "postgres up on $addr"; return 0; fi
    sleep 0.25
  done
  warn "postgres did not accept connections on $addr after start"
  return 1
}

# One status line each for Redis and PostgreSQL; returns 1 if either is down.
datastores_status() {
  local down=0
  if redis_ready "$REDIS_HOST" "$REDIS_PORT"; then
    printf 'redis     up    %s\n' "$REDIS_HOST:$REDIS_PORT"
  else
    printf 'redis     down  %s\n' "$REDIS_HOST:$REDIS_PORT"
    down=1
  fi
  if postgres_ready; then
    printf 'postgres  up    %s\n' "$PG_HOST:$PG_PORT"
  else
    printf 'postgres  down  %s\n' "$PG_HOST:$PG_PORT"
    down=1
  fi
  return "$down"
}
