#!/usr/bin/env bash
# Sourced by .ci/run and benchmarks/run: picks the JDK both use. Needs a log() function.
# Usage: source .ci/jdk.sh && hal9_select_jdk || exit 1   (exports JAVA_HOME, and PATH when it switches)
# ---------------------------------------------------------------------------------------------
# JDK: the one mvnw would use ($JAVA_HOME, else `java` on PATH) if it is 21 or newer; otherwise
# Temurin 25 if present, else the newest JDK >= 21 under /usr/lib/jvm.
# ---------------------------------------------------------------------------------------------
java_major() { # $1 = path of a java binary; prints the major version, or 0 when unknown
  local v
  v=$("$1" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1) || true
  case "$v" in
    1.*) v=${v#1.}; echo "${v%%.*}" ;;
    "") echo 0 ;;
    *) v=${v%%[.+-]*}; echo "${v:-0}" ;;
  esac
}

release_major() { # $1 = a JDK home; prints JAVA_VERSION's major from its release file, or 0
  local v
  v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$1/release" 2>/dev/null | head -n 1) || true
  case "$v" in
    1.*) v=${v#1.}; echo "${v%%.*}" ;;
    "") echo 0 ;;
    *) v=${v%%[.+-]*}; echo "${v:-0}" ;;
  esac
}

hal9_select_jdk() {
  local current_java current_major chosen best home m
  current_java=""
  if [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" ]]; then
    current_java="${JAVA_HOME}/bin/java"
  elif command -v java >/dev/null 2>&1; then
    current_java=$(command -v java)
  fi
  current_major=0
  if [[ -n "$current_java" ]]; then
    current_major=$(java_major "$current_java")
  fi

  if (( current_major >= 21 )); then
    if [[ -z "${JAVA_HOME:-}" ]]; then
      JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$current_java")")")
      export JAVA_HOME
    fi
    log "JDK: default ${current_java} (Java ${current_major}) is new enough; JAVA_HOME=${JAVA_HOME}"
  else
    chosen=""
    if [[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]]; then
      chosen=/usr/lib/jvm/temurin-25-jdk-amd64
    else
      best=0
      for home in /usr/lib/jvm/*; do
        [[ -x "$home/bin/java" && -x "$home/bin/javac" ]] || continue
        m=$(release_major "$home")
        if (( m >= 21 && m > best )); then
          best=$m
          chosen=$home
        fi
      done
    fi
    if [[ -z "$chosen" ]]; then
      log "JDK: the default java is ${current_java:-missing} (Java ${current_major}); HAL9 needs 21 or newer and none was found under /usr/lib/jvm"
      return 1
    fi
    export JAVA_HOME="$chosen"
    export PATH="$JAVA_HOME/bin:$PATH"
    log "JDK: default ${current_java:-none} is Java ${current_major}, too old; using JAVA_HOME=${JAVA_HOME} (Java $(java_major "$JAVA_HOME/bin/java"))"
  fi
}
