#!/usr/bin/env bash
# ./build.sh test [dotnet test args]   build and run every test against a throwaway PostgreSQL, then pack the library
#                                      and run tests/PackageConsumer against the package
# ./build.sh pack [dotnet pack args]   write artifacts/packages/ContinuationState(.Extensions.AI(.Workflows)).<version>.nupkg
#                                      and .snupkg
# ./build.sh demo                      run the sample agent host's scripted pause/resume
# ./build.sh bench [--quick] [--durable]  measure every operation against raw Npgsql; --durable on a server with fsync,
#                                      synchronous_commit and full_page_writes on (the throwaway server has them off)
# ./build.sh ha-async [rounds]         the failover tests on a Patroni cluster with synchronous_mode off, printing
#                                      the acknowledged writes lost (default 3 rounds)
# CONTINUATIONSTATE_TEST_CONNECTION / CONTINUATIONSTATE_CONNECTION name an existing server instead.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/pg.sh
. scripts/patroni.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Packs the library, its Microsoft.Extensions.AI integration and its Agent Framework workflows store into
# artifacts/packages (emptied first, so it holds exactly this build's packages); the version comes from git tags
# (MinVer), the same for all three. Prints the version.
pack() {
  rm -rf artifacts/packages
  dotnet pack src/ContinuationState/ContinuationState.csproj -c Release -o artifacts/packages -nologo "$@" >&2 || return 1
  dotnet pack src/ContinuationState.Extensions.AI/ContinuationState.Extensions.AI.csproj -c Release -o artifacts/packages -nologo "$@" >&2 || return 1
  dotnet pack src/ContinuationState.Extensions.AI.Workflows/ContinuationState.Extensions.AI.Workflows.csproj -c Release -o artifacts/packages -nologo "$@" >&2 || return 1
  local nupkg
  nupkg=$(ls artifacts/packages/ContinuationState.[0-9]*.nupkg 2>/dev/null | head -n 1)
  [ -n "$nupkg" ] || { echo "build.sh: dotnet pack wrote no package" >&2; return 1; }
  basename "$nupkg" .nupkg | sed 's/^ContinuationState\.//'
}

# Restores the packed package into tests/PackageConsumer (never a project reference) and runs its tests against
# CONTINUATIONSTATE_TEST_CONNECTION. Only the logger and results-directory arguments are passed on, so its tests are
# counted with the others but a --filter meant for the main suite does not skip them.
package_consumer_test() {
  local version args=()
  version=$(pack) || return 1
  while [ $# -gt 0 ]; do
    case "$1" in
      --logger|--results-directory) args+=("$1" "$2"); shift 2 || break; continue ;;
      --logger=*|--logger:*|--results-directory=*|--results-directory:*) args+=("$1") ;;
    esac
    shift
  done
  echo "build.sh: package consumer test (ContinuationState $version from artifacts/packages)" >&2
  # A packages folder of its own, emptied of ContinuationState: a package cached from an earlier build of the same
  # version (same commit, other working-tree changes) is never used.
  rm -rf artifacts/consumer-packages/continuationstate artifacts/consumer-packages/continuationstate.extensions.ai \
    artifacts/consumer-packages/continuationstate.extensions.ai.workflows
  dotnet test tests/PackageConsumer -c Release -p:ContinuationStateVersion="$version" "${args[@]}"
}

command="${1:-test}"
[ $# -gt 0 ] && shift

case "$command" in
  test)
    own_server=false
    if [ -z "${CONTINUATIONSTATE_TEST_CONNECTION:-}" ]; then
      pg_start
      own_server=true
    fi
    scripts/chromium.sh || echo "build.sh: Chromium is not installed; the browser tests will fail" >&2
    status=0
    case " $* " in *" --filter "*) filtered=true ;; *) filtered=false ;; esac
    # The failover tests (Category HighAvailability, run alone after the others) need a two-node Patroni cluster:
    # started unless the run picks its own tests with --filter (CONTINUATIONSTATE_TEST_HA=1 starts it anyway) or
    # CONTINUATIONSTATE_TEST_HA=0. If it cannot be installed or started, the run fails; it never skips quietly.
    if [ -z "${CONTINUATIONSTATE_TEST_HA_CONNECTION:-}" ] && [ "${CONTINUATIONSTATE_TEST_HA:-}" != 0 ] &&
      { [ "$filtered" = false ] || [ "${CONTINUATIONSTATE_TEST_HA:-}" = 1 ]; }; then
      if ! ha_start sync; then
        echo "build.sh: FAILED to start the Patroni cluster for the failover tests (see above); the run fails" >&2
        status=1
      fi
    fi
    dotnet test ContinuationState.sln -c Release "$@" || status=$?
    # Second pass: the database suites again, through PgBouncer in transaction-pooling mode. Skipped for
    # runs that pick their own tests with --filter, and when CONTINUATIONSTATE_TEST_POOLER=0.
    if [ "$own_server" = true ] && [ "$filtered" = false ] && [ "${CONTINUATIONSTATE_TEST_POOLER:-1}" != 0 ]; then
      if pgbouncer_start; then
        echo "build.sh: pooler pass (database tests through PgBouncer)" >&2
        if ! dotnet test tests/ContinuationState.Tests -c Release --no-build "$@" \
          --filter "Category!=NoPooler&FullyQualifiedName!~Serialization"; then
          status=1
          echo "build.sh: the pooler pass failed; the end of PgBouncer's log:" >&2
          tail -n 30 "$PG_TMP_DIR/pgbouncer.log" >&2 2>/dev/null
        fi
      else
        echo "build.sh: PgBouncer could not be installed or started (see above): the pooler pass is SKIPPED" >&2
      fi
    fi
    package_consumer_test "$@" || status=$?
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
      case " $* " in *" --durable "*) pg_start durable ;; *) pg_start ;; esac
      export CONTINUATIONSTATE_CONNECTION="$CONTINUATIONSTATE_TEST_CONNECTION"
    fi
    dotnet run -c Release --project bench/ContinuationState.Benchmarks -- "$@"
    ;;
  ha-async)
    # Asynchronous replication, measured: how many acknowledged writes a failover loses without synchronous_mode.
    # A figure for docs/high-availability.md, not a pass condition (CONTINUATIONSTATE_TEST_HA_EXPECT_ZERO_LOSS=1 asserts zero anyway).
    rounds="${1:-3}"
    ha_start async
    mkdir -p artifacts/ha
    export CONTINUATIONSTATE_TEST_HA_REPORT="$PWD/artifacts/ha/async-report.txt"
    rm -f "$CONTINUATIONSTATE_TEST_HA_REPORT"
    dotnet build tests/ContinuationState.Tests -c Release --nologo -v quiet >&2
    status=0
    for round in $(seq 1 "$rounds"); do
      echo "build.sh: asynchronous replication, round $round of $rounds" >&2
      dotnet test tests/ContinuationState.Tests -c Release --no-build --filter "Category=HighAvailability" || status=$?
    done
    cat "$CONTINUATIONSTATE_TEST_HA_REPORT"
    grep -h "LOST" "$CONTINUATIONSTATE_TEST_HA_REPORT" |
      awk '{ lost += $4; twice += $8 } END { printf "build.sh: asynchronous replication, %d failovers: %d acknowledged writes lost, %d pauses won twice\n", NR, lost, twice }'
    exit "$status"
    ;;
  pack)
    version=$(pack "$@") || exit 1
    echo "build.sh: packed ContinuationState $version:" >&2
    ls -l artifacts/packages >&2
    ;;
  *)
    echo "usage: ./build.sh {test|pack|demo|bench|ha-async} [args]" >&2
    exit 2
    ;;
esac
