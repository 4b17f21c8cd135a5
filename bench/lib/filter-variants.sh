# Sourced by bench/filter-cost.sh and bench/filter-ab.sh: the filter of each benchmark variant.
# Reads ROOT, WORK, WASM_MODULE and REDIS_PORT when called.
wasm_module() { # variant -> module path
  if [[ $1 == wasm ]]; then echo "${WASM_MODULE:-}"; else echo "$ROOT/plugins-examples/wasm-add-header-${1#wasm-}/target/filter.wasm"; fi
}
filter_block() { # variant -> the filters entry of the listener (empty for no_filter)
  case "$1" in
    no_filter) ;;
    java) printf '%s\n' '      filters:' '        - name: example.add_header' '          config: { header: x-added, value: bench }' ;;
    local_ratelimit) printf '%s\n' '      filters:' '        - name: weir.local_ratelimit' \
         '          config: { max_tokens: 1000000000, tokens_per_fill: 1000000000, fill_interval: 1s }' ;;
    redis_ratelimit) printf '%s\n' '      filters:' '        - name: weir.ratelimit' \
         "          config: { redis: { address: 127.0.0.1:$REDIS_PORT, timeout: 50ms }, limit: { requests: 1000000000, per: 60s }, key: client_ip }" ;;
    jwt_authn) printf '%s\n' '      filters:' '        - name: weir.jwt_authn' \
         "          config: { providers: [ { name: bench, issuer: https://bench.weir, audiences: [bench], jwks: { file: $WORK/auth/jwks.json }, forward_claims: { sub: x-jwt-sub } } ], rules: [ { match: { prefix: / }, requires: bench } ] }" ;;
    basic_auth) printf '%s\n' '      filters:' '        - name: weir.basic_auth' \
         "          config: { htpasswd_file: $WORK/auth/htpasswd }" ;;
    tracing_*) ;;
    *) printf '%s\n' '      filters:' '        - name: weir.wasm' \
         "          config: { module: $(wasm_module "$1"), configuration: '{\"header\": \"x-added\", \"value\": \"bench\"}' }" ;;
  esac
}
