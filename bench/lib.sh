# Shared by the bench scripts (sourced): a scratch directory and the processes started in it,
# both cleaned up on exit, and the choices every script makes the same way.

# `bench_workdir NAME`: sets $work (a fresh directory) and $pids (processes to stop on exit).
bench_workdir() {
  work=$(mktemp -d "/tmp/pitwall-$1-XXXX")
  chmod 755 "$work"
  pids=()
  scratch_db=""
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
  if [ -n "$scratch_db" ]; then psql "$scratch_server" -qc "DROP DATABASE IF EXISTS $scratch_db WITH (FORCE)"; fi
}

# `bench_database NAME`: with DATABASE_URL set, points it at a scratch database beside the given
# one (dropped on exit); without it, Pitwall's embedded cluster lives in $work.
bench_database() {
  export PITWALL_DATA_DIR="$work/data"
  if [ -n "${DATABASE_URL:-}" ]; then
    scratch_server="$DATABASE_URL"
    psql "$scratch_server" -qc "CREATE DATABASE pitwall_$1_$$"
    scratch_db="pitwall_$1_$$"
    export DATABASE_URL="${scratch_server%/*}/$scratch_db"
  fi
}

# Sets $bin: the release build when there is one, else the debug build (built when missing).
bench_binary() {
  bin=target/release/pitwall
  [ -x "$bin" ] || { bin=target/debug/pitwall; [ -x "$bin" ] || cargo build --features ssr --bin pitwall; }
}
