#!/usr/bin/env bash
# Rewrites PublicAPI.Unshipped.txt of every shipped project (src/*/) from the compiler's view of its public surface:
# every public symbol not in PublicAPI.Shipped.txt (RS0016), plus a *REMOVED* line for every shipped symbol that is
# gone (RS0017). Run it after changing the public API, then review the diff:
#   scripts/update-public-api.sh
# On release, move the Unshipped lines into Shipped (dropping *REMOVED* lines together with their Shipped entries).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

for unshipped in src/*/PublicAPI.Unshipped.txt; do
  project_dir=$(dirname "$unshipped")
  project=$(ls "$project_dir"/*.csproj)
  backup=$(mktemp)
  log=$(mktemp)
  cp "$unshipped" "$backup"
  printf '#nullable enable\n' > "$unshipped"

  # The analyzer reports RS0016/RS0017 as warnings here (errors in a normal build); --no-incremental makes it look
  # at every file even when the last build is up to date.
  if ! dotnet build "$project" -c Release --no-incremental -p:TreatWarningsAsErrors=false -p:RunAnalyzers=true \
      -nologo -clp:NoSummary >"$log" 2>&1; then
    if grep -E ': error [A-Z]+[0-9]+:' "$log" | grep -vE ': error RS00(16|17|26|27|36|37|41):' >&2; then
      cp "$backup" "$unshipped"
      echo "update-public-api: $project does not compile (above); $unshipped left as it was" >&2
      rm -f "$backup" "$log"
      exit 1
    fi
  fi

  {
    printf '#nullable enable\n'
    {
      sed -n "s/.* RS0016: Symbol '\(.*\)' is not part of the declared public API.*/\1/p" "$log"
      sed -n "s/.* RS0017: Symbol '\(.*\)' is part of the declared API, but is either not public or could not be found.*/*REMOVED*\1/p" "$log"
    } | LC_ALL=C sort -u
  } > "$unshipped"
  rm -f "$backup" "$log"
  echo "update-public-api: $unshipped: $(($(wc -l < "$unshipped") - 1)) entries" >&2
done
git --no-pager diff --stat -- 'src/*/PublicAPI.*.txt' >&2 || true
