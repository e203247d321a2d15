#!/usr/bin/env bash
# ./build.sh test [dotnet test args]   build and run every test against a throwaway PostgreSQL
# ./build.sh demo                      run the sample agent host's scripted pause/resume
# ./build.sh bench [--quick]           measure every operation against raw Npgsql
# CONTINUATIONSTATE_TEST_CONNECTION / CONTINUATIONSTATE_CONNECTION name an existing server instead.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/pg.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

command="${1:-test}"
[ $# -gt 0 ] && shift

case "$command" in
  test)
    [ -n "${CONTINUATIONSTATE_TEST_CONNECTION:-}" ] || pg_start
    dotnet test ContinuationState.sln -c Release "$@"
    ;;
  demo)
    if [ -z "${CONTINUATIONSTATE_CONNECTION:-}" ]; then
      pg_start
      export CONTINUATIONSTATE_CONNECTION="$CONTINUATIONSTATE_TEST_CONNECTION"
    fi
    dotnet run -c Release --project samples/AgentHost -- "$@"
    ;;
  bench)
    if [ -z "${CONTINUATIONSTATE_CONNECTION:-}" ]; then
      pg_start
      export CONTINUATIONSTATE_CONNECTION="$CONTINUATIONSTATE_TEST_CONNECTION"
    fi
    dotnet run -c Release --project bench/ContinuationState.Benchmarks -- "$@"
    ;;
  *)
    echo "usage: ./build.sh {test|demo|bench} [args]" >&2
    exit 2
    ;;
esac
