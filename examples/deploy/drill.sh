#!/usr/bin/env bash
# The deployment drill (examples/README.md, "Deployment recipe"): N reference-server instances behind
# HAProxy (examples/deploy/haproxy.cfg) on a private Redis Cluster (3 masters + 3 replicas) and a private
# PostgreSQL primary + synchronous replica, all on loopback; games spread over every instance; during play
# a SIGKILL of one instance, a SIGKILL of one Redis master, an HAProxy restart, a PostgreSQL primary crash
# and promotion; then the counts. Needs haproxy, redis-server/redis-cli and the PostgreSQL server binaries.
#
# It runs DeploymentDrillTest (examples' test sources) through Maven: the drill is a test so that the same
# code, with the same assertions, is the small form in ./mvnw verify and the full form here.
#
# usage: examples/deploy/drill.sh [--instances N] [--games G] [--rounds R] [--extra-games E] [--think 100ms]
#                                 [--round-timeout 5s] [--lease 2s] [--deadline 10m]
#                                 [--faults instance,redis-master,haproxy,postgres] [--keep] [--offline]
# Defaults: the full drill of the pom's `drill` profile (3 instances, 30 games of 3 players, 60 rounds).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

usage() { sed -n '/^# usage:/,/^# Defaults:/p' "$0" | sed 's/^# \{0,1\}//'; }

props=()
maven=()
while (( $# > 0 )); do
  case "$1" in
    --instances|--games|--rounds|--extra-games|--think|--round-timeout|--lease|--deadline|--faults)
      (( $# >= 2 )) || { echo "drill.sh: $1 needs a value" >&2; usage >&2; exit 2; }
      props+=("-Dhal9.drill.${1#--}=$2")
      shift 2 ;;
    --keep) props+=("-Dhal9.drill.keep=true"); shift ;;
    --offline) maven+=("-o"); shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "drill.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

# A JDK >= 21: the one mvnw would use if it is new enough, else the newest under /usr/lib/jvm (as CI does).
log() { printf '[drill] %s\n' "$*"; }
source .ci/jdk.sh
hal9_select_jdk || exit 1

# -am builds the modules the examples need from this checkout (nothing is installed into ~/.m2); only the
# drill's test runs.
exec ./mvnw "${maven[@]}" -B -ntp -pl examples -am verify -Pdrill \
  -Dtest=DeploymentDrillTest -Dsurefire.failIfNoSpecifiedTests=false \
  "${props[@]}"
