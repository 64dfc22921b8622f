#!/usr/bin/env bash
# Start a private Virtuoso (Debian's virtuoso-opensource 7.2) on 127.0.0.1 for trying
# `ccbkg publish --store virtuoso`. Debian's service cannot start on these machines, so this
# runs virtuoso-t in the foreground (in the background of this shell) with a copy of the
# packaged virtuoso.ini rewritten for a private database folder and loopback ports.
#
#   scripts/start-virtuoso.sh [DIR]        start (default DIR: ./.virtuoso), wait until ready
#   scripts/start-virtuoso.sh --stop [DIR] stop it
#
# Environment: VIRTUOSO_HTTP_PORT (8890), VIRTUOSO_SQL_PORT (1111), VIRTUOSO_DBA_PASSWORD
# (set on a fresh database; without it the password stays dba, fine on 127.0.0.1 only).
set -euo pipefail

stop=0
if [[ "${1:-}" == "--stop" ]]; then stop=1; shift; fi
dir="$(realpath -m "${1:-.virtuoso}")"
http_port="${VIRTUOSO_HTTP_PORT:-8890}"
sql_port="${VIRTUOSO_SQL_PORT:-1111}"
template=/etc/virtuoso-opensource-7/virtuoso.ini
pidfile="$dir/virtuoso.pid"

if (( stop )); then
  if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill "$(cat "$pidfile")"
    echo "stopped Virtuoso (pid $(cat "$pidfile"))"
    rm -f "$pidfile"
  else
    echo "no Virtuoso running from $dir" >&2
  fi
  exit 0
fi

command -v virtuoso-t >/dev/null || {
  echo "virtuoso-t not found: apt-get install virtuoso-opensource" >&2; exit 2; }
[[ -f "$template" ]] || { echo "$template missing: reinstall virtuoso-opensource-7" >&2; exit 2; }
if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "Virtuoso already runs from $dir (pid $(cat "$pidfile"))"; exit 0
fi

mkdir -p "$dir/db"
fresh=0; [[ -f "$dir/db/virtuoso.db" ]] || fresh=1
# Rewrite the packaged ini: private files, loopback ports, the folder allowed for the bulk loader.
awk -v db="$dir/db" -v dir="$dir" -v http="127.0.0.1:$http_port" -v sql="127.0.0.1:$sql_port" '
  function put(key, value) { print key " = " value; done[section "/" key] = 1 }
  /^[ \t]*\[/ { section = $0; gsub(/[][ \t]/, "", section); print; next }
  {
    key = $0; sub(/[ \t]*=.*/, "", key); gsub(/^[ \t]+/, "", key)
    if (done[section "/" key]) next
    if (section == "Database" && key == "DatabaseFile")       { put(key, db "/virtuoso.db"); next }
    if (section == "Database" && key == "ErrorLogFile")       { put(key, db "/virtuoso.log"); next }
    if (section == "Database" && key == "LockFile")           { put(key, db "/virtuoso.lck"); next }
    if (section == "Database" && key == "TransactionFile")    { put(key, db "/virtuoso.trx"); next }
    if (section == "Database" && key == "xa_persistent_file") { put(key, db "/virtuoso.pxa"); next }
    if (section == "TempDatabase" && key == "DatabaseFile")   { put(key, db "/virtuoso-temp.db"); next }
    if (section == "TempDatabase" && key == "TransactionFile") { put(key, db "/virtuoso-temp.trx"); next }
    if (section == "Parameters" && key == "ServerPort")       { put(key, sql); next }
    if (section == "Parameters" && key == "DirsAllowed") {
      put(key, "., " dir ", /usr/share/virtuoso-opensource-7/vad"); next }
    if (section == "HTTPServer" && key == "ServerPort")       { put(key, http); next }
    if (section == "URIQA" && key == "DefaultHost")           { put(key, http); next }
    print
  }' "$template" > "$dir/virtuoso.ini"

(cd "$dir/db" && exec virtuoso-t +foreground +configfile "$dir/virtuoso.ini" \
   >"$dir/console.log" 2>&1 </dev/null) &
echo $! > "$pidfile"

for _ in $(seq 1 180); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$http_port/sparql?query=ASK%7B%7D" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "Virtuoso did not start; see $dir/console.log:" >&2; tail -5 "$dir/console.log" >&2
    rm -f "$pidfile"; exit 2
  fi
  sleep 0.5
done

if (( fresh )) && [[ -n "${VIRTUOSO_DBA_PASSWORD:-}" ]]; then
  isql-vt "127.0.0.1:$sql_port" dba dba \
    "exec=USER_SET_PASSWORD('dba', '${VIRTUOSO_DBA_PASSWORD//\'/\'\'}')" >/dev/null
fi

cat <<EOF
Virtuoso runs from $dir (pid $(cat "$pidfile")), on 127.0.0.1 only.
  SPARQL (reads):   http://127.0.0.1:$http_port/sparql
  updates (digest): http://127.0.0.1:$http_port/sparql-auth, /sparql-graph-crud-auth (user dba)
  isql:             isql-vt 127.0.0.1:$sql_port dba PASSWORD
Publish:  CCBKG_STORE_USER=dba CCBKG_STORE_PASSWORD=... \\
          ccbkg publish --store virtuoso --endpoint http://127.0.0.1:$http_port
Stop:     $0 --stop $dir
EOF
