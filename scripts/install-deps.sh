#!/usr/bin/env bash
# Installs what trail needs on Debian 12 and is missing; does nothing (and
# asks no network) when everything is there. Idempotent. Runs as root, or
# through sudo otherwise.
#
#   scripts/install-deps.sh          build, test and demo dependencies
set -euo pipefail

packages=(
  gcc make cmake pkg-config            # toolchain
  libyaml-dev                          # trailgen: the schema loader
  libsqlite3-dev libpq-dev libmariadb-dev  # the three database drivers
  libjansson-dev                       # JSON parsing
  libssl-dev                           # SHA-256 (libcrypto) for the event hash chain
  libcmocka-dev                        # unit and integration tests
  locales                              # locale sources: a test builds de_DE with localedef
  postgresql mariadb-server            # throwaway servers for the integration tests
  galera-4 rsync                       # the Galera test cluster: its wsrep provider and its state
                                       #   transfer (mariadb-server depends on both; named for the
                                       #   scripts that use them)
  clang-format                         # the formatting check
  clang libclang-rt-14-dev             # scripts/fuzz.sh: libFuzzer + ASan/UBSan/LSan runtimes (only
                                       #   recommended by clang-14, and recommends are not installed)
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
