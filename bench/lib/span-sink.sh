# Sourced by bench/filter-cost.sh and bench/filter-ab.sh: the span sink of the tracing variants and
# their top-level tracing block. Reads SINK_PORT, GRPC_SINK_PORT and log when called; start_sink
# sets SINK_PID.
tracing_block() { # variant -> the top-level tracing block (empty for a variant without tracing)
  # TRACING_BATCH (env, optional): the block's batch settings, e.g. "max_queue_size: 8192,
  # max_export_batch_size: 2048"; unset, Weir's defaults
  tracing_block_body "$1"
  if [[ $1 == tracing_* && -n "${TRACING_BATCH:-}" ]]; then printf '  batch: { %s }\n' "$TRACING_BATCH"; fi
}
tracing_block_body() {
  case "$1" in
    tracing_1pct | tracing_100pct)
      printf '%s\n' 'tracing:' '  service_name: weir-bench' "  sampling: $([[ $1 == tracing_1pct ]] && echo 0.01 || echo 1.0)" \
        "  exporter: { otlp: { endpoint: http://127.0.0.1:$SINK_PORT/v1/traces, protocol: http } }" ;;
    tracing_100pct_zipkin)
      printf '%s\n' 'tracing:' '  service_name: weir-bench' '  sampling: 1.0' \
        "  exporter: { zipkin: { endpoint: http://127.0.0.1:$SINK_PORT/api/v2/spans } }" ;;
    tracing_100pct_grpc)
      printf '%s\n' 'tracing:' '  service_name: weir-bench' '  sampling: 1.0' \
        "  exporter: { otlp: { endpoint: http://127.0.0.1:$GRPC_SINK_PORT, protocol: grpc } }" ;;
  esac
}
SINK_PID=""
stop_sink() { [[ -n "$SINK_PID" ]] && { kill -TERM -- "-$SINK_PID" 2>/dev/null || true; while kill -0 "$SINK_PID" 2>/dev/null; do sleep 0.1; done; }; SINK_PID=""; }
start_sink() { # dir: an nginx answering 202 to any POST on SINK_PORT, gRPC (h2c) on GRPC_SINK_PORT, on core 1
  local dir="$1" p
  for p in $SINK_PORT $GRPC_SINK_PORT; do
    [[ -z "$(ss -ltnH "sport = :$p")" ]] || { log "sink port $p is in use (pick another BACKEND_PORT)"; exit 1; }
  done
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<NGINX
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log $dir/access.log;
  client_body_buffer_size 1m;
  server { listen 127.0.0.1:$SINK_PORT; location / { return 202; } location = /grpc-ok { return 200; } }
  # gRPC: the whole request is read (proxied to the HTTP sink) before the answer, as a collector
  # does; a bare 'return 200' answers while the export is still being sent and resets the stream,
  # and the client then opens a new connection for every export. The hop to the HTTP sink keeps
  # its connections (no TCP handshake per export on the load core: 2.26 -> 1.88 us per request).
  # The stream window is 1 MiB rather than nginx's 64 KiB: gRPC servers (grpc-go in Jaeger and
  # the OpenTelemetry Collector) grow their windows by BDP estimation, so an export of a few hundred
  # KiB does not wait for WINDOW_UPDATEs there either (sink 1.82 -> 1.46 us per request)
  upstream http_sink { server 127.0.0.1:$SINK_PORT; keepalive 4; }
  server { listen 127.0.0.1:$GRPC_SINK_PORT http2; http2_body_preread_size 1m; location / { rewrite ^ /grpc-ok break; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://http_sink; add_header grpc-status 0; } }
}
NGINX
  # on the load core (1) with wrk and the backend: off the proxy's core
  setsid taskset -c 1 nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/nginx.out" 2>&1 </dev/null &
  SINK_PID=$!
  log "span sink nginx on 127.0.0.1:$SINK_PORT and (h2c, gRPC) :$GRPC_SINK_PORT, core 1 (pid $SINK_PID)"
}
