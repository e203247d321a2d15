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
    own_server=false
    if [ -z "${CONTINUATIONSTATE_TEST_CONNECTION:-}" ]; then
      pg_start
      own_server=true
    fi
    status=0
    dotnet test ContinuationState.sln -c Release "$@" || status=$?
    # Second pass: the database suites again, through PgBouncer in transaction-pooling mode. Skipped for
    # runs that pick their own tests with --filter, and when CONTINUATIONSTATE_TEST_POOLER=0.
    case " $* " in *" --filter "*) filtered=true ;; *) filtered=false ;; esac
    if [ "$own_server" = true ] && [ "$filtered" = false ] && [ "${CONTINUATIONSTATE_TEST_POOLER:-1}" != 0 ] && pgbouncer_start; then
      echo "build.sh: pooler pass (database tests through PgBouncer)" >&2
      dotnet test tests/ContinuationState.Tests -c Release --no-build "$@" \
        --filter "Category!=NoPooler&FullyQualifiedName!~Serialization" || status=$?
    fi
    exit "$status"
    ;;
  demo)
    if [ -z "${CONTINUATIONSTATE_CONNECTION:-}" ]; then
      pg_start
      export CONTINUATIONSTATE_CONNECTION="$CONTINUATIONSTATE_TEST_CONNECTION"
    fi
    # The scripted client builds the host too (a project reference), then runs it as a child process.
    echo "build.sh: building the sample host and its scripted client" >&2
    build_log=$(dotnet build -c Release samples/AgentHost.Demo --nologo -v quiet 2>&1) || { echo "$build_log" >&2; exit 1; }
    dotnet samples/AgentHost.Demo/bin/Release/net10.0/AgentHost.Demo.dll \
      --host samples/AgentHost/bin/Release/net10.0/AgentHost.dll --log-dir artifacts/demo "$@"
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
