#!/bin/sh
# Installs the assay binary for this machine from a release: picks the file for the OS and
# architecture (the musl build where /lib/ld-musl-* exists, as on Alpine), downloads it with its
# SHA-256 file, checks the checksum and that the binary runs here, and only then puts it in place.
# POSIX sh, so it runs under dash, busybox and macOS's sh alike.
#
#   curl -fsSL https://github.com/assay-lua/assay/releases/latest/download/install.sh | sh
#
# Environment:
#   ASSAY_VERSION       the version to install (0.1.0 or v0.1.0); default: the latest, read from
#                       the `latest` file beside the binaries
#   ASSAY_DOWNLOAD_URL  the directory holding the release files (as scripts/release.ts writes
#                       them); default: the project's GitHub release of that version
#   ASSAY_INSTALL_DIR   where `assay` goes; default: /usr/local/bin as root, else ~/.local/bin
#   ASSAY_LIBC          glibc or musl: overrides the detection on Linux
#
# Fails with exit 1 and an `assay: ...` message, having installed nothing, on an unsupported
# platform, a failed download, a checksum mismatch or a binary that does not run here.
set -eu

RELEASES=https://github.com/assay-lua/assay/releases

fail() {
  printf 'assay: %s\n' "$*" >&2
  exit 1
}

# Sets `fetch_with` and `hash_with` to the download and SHA-256 tools this machine has.
pick_tools() {
  if command -v curl >/dev/null 2>&1; then fetch_with=curl
  elif command -v wget >/dev/null 2>&1; then fetch_with=wget
  else fail "install: neither curl nor wget is installed"
  fi
  if command -v sha256sum >/dev/null 2>&1; then hash_with=sha256sum
  elif command -v shasum >/dev/null 2>&1; then hash_with=shasum
  elif command -v openssl >/dev/null 2>&1; then hash_with=openssl
  else fail "install: no sha256sum, shasum or openssl to check the download with"
  fi
}

# fetch URL FILE
fetch() {
  case $fetch_with in
    curl) curl -fsSL -o "$2" "$1" ;;
    *) wget -q -O "$2" "$1" ;;
  esac
}

# sha256 FILE: prints the file's SHA-256 in hex.
sha256() {
  case $hash_with in
    sha256sum) sha256sum "$1" ;;
    shasum) shasum -a 256 "$1" ;;
    *) openssl dgst -sha256 -r "$1" ;;
  esac | cut -d ' ' -f 1
}

is_sha256() {
  [ ${#1} -eq 64 ] && case $1 in *[!0-9a-f]*) false ;; *) true ;; esac
}

# Sets `target` to <os>-<arch>[-musl], the suffix of the release file names.
detect_target() {
  os=$(uname -s)
  arch=$(uname -m)
  unsupported="unsupported platform: $os $arch (release binaries are for Linux and macOS on x86_64 and arm64)"
  case $os in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) fail "$unsupported" ;;
  esac
  case $arch in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) fail "$unsupported" ;;
  esac
  # An x86_64 shell under Rosetta on Apple silicon: the native binary is the better one.
  if [ "$os-$arch" = darwin-x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
    arch=arm64
  fi
  libc=
  if [ "$os" = linux ]; then
    case ${ASSAY_LIBC:-} in
      musl) libc=-musl ;;
      glibc) ;;
      "") for loader in /lib/ld-musl-*; do [ -e "$loader" ] && libc=-musl; break; done ;;
      *) fail "ASSAY_LIBC must be glibc or musl, not '$ASSAY_LIBC'" ;;
    esac
  fi
  target=$os-$arch$libc
}

main() {
  detect_target
  pick_tools
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/assay-install.XXXXXX") || fail "install: cannot create a temporary directory"
  trap 'rm -rf "$tmp"' EXIT
  trap 'exit 1' INT TERM HUP

  if [ -n "${ASSAY_VERSION:-}" ]; then
    version=${ASSAY_VERSION#v}
    base=${ASSAY_DOWNLOAD_URL:-$RELEASES/download/v$version}
  else
    base=${ASSAY_DOWNLOAD_URL:-$RELEASES/latest/download}
    fetch "${base%/}/latest" "$tmp/latest" || fail "download failed: ${base%/}/latest (set ASSAY_VERSION to pick a version)"
    version=$(head -n 1 "$tmp/latest" | tr -d ' \r\n')
  fi
  base=${base%/}
  case $version in
    "" | *[!0-9A-Za-z.+-]*) fail "not a version: '$version'" ;;
  esac

  name=assay-$version-$target
  echo "assay: downloading $name from $base"
  fetch "$base/$name" "$tmp/$name" || fail "download failed: $base/$name (is there a $version release for $target?); nothing installed"
  fetch "$base/$name.sha256" "$tmp/$name.sha256" || fail "download failed: $base/$name.sha256; nothing installed"

  expected=$(cut -d ' ' -f 1 "$tmp/$name.sha256" | head -n 1)
  is_sha256 "$expected" || fail "checksum file $name.sha256 holds no SHA-256; nothing installed"
  actual=$(sha256 "$tmp/$name")
  is_sha256 "$actual" || fail "install: $hash_with could not hash $name; nothing installed"
  [ "$actual" = "$expected" ] || fail "checksum mismatch for $name: expected $expected, got $actual; nothing installed"

  chmod 755 "$tmp/$name"
  # A glibc build on a musl system, or a CPU the build does not support, fails here rather
  # than after replacing a working install.
  if says=$("$tmp/$name" --version 2>&1); then :; else
    status=$?
    case $status in
      132) why="illegal instruction: the x64 builds need a CPU with AVX2" ;;
      *) why=$(printf '%s' "$says" | head -n 3 | tr '\n' ' ') ;;
    esac
    fail "$name does not run on this machine (exit $status${why:+: $why}); nothing installed"
  fi

  if [ -n "${ASSAY_INSTALL_DIR:-}" ]; then dir=$ASSAY_INSTALL_DIR
  elif [ "$(id -u)" = 0 ]; then dir=/usr/local/bin
  else dir=${HOME:?HOME is not set: set ASSAY_INSTALL_DIR}/.local/bin
  fi
  mkdir -p "$dir" || fail "cannot create $dir; nothing installed"
  # Copied beside the target and renamed over it: a running assay keeps its old file, and no
  # one sees a half-written binary.
  cp "$tmp/$name" "$dir/.assay.$$" && chmod 755 "$dir/.assay.$$" && mv -f "$dir/.assay.$$" "$dir/assay" || {
    rm -f "$dir/.assay.$$"
    fail "cannot write $dir/assay; nothing installed"
  }

  echo "assay: installed $says to $dir/assay"
  case ":${PATH:-}:" in
    *":$dir:"*)
      found=$(command -v assay 2>/dev/null || true)
      if [ -n "$found" ] && [ "$found" != "$dir/assay" ]; then
        echo "assay: note: $found comes first on PATH and shadows it"
      fi
      ;;
    *) echo "assay: $dir is not on PATH; add it with: export PATH=\"$dir:\$PATH\"" ;;
  esac
}

# Everything runs from here, so a download of this script cut short runs nothing.
main "$@"
