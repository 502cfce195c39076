#!/usr/bin/env bash
# Builds the mock-broker launcher (native/mock-broker/build/stadion-mock-broker).
#
# Preferred: librdkafka's mock cluster PATCHED (librdkafka-mock.patch: a real
# controller id, partition logs that do not silently drop data beyond 5 MiB /
# 100,000 batches, offsets by timestamp). The source is Debian's source package
# of the installed librdkafka-dev version, fetched with apt-get through a
# private sources list derived from this machine's apt configuration (the
# system apt configuration is not touched), unpacked with tar, patched, and
# built as a static library with only what the mock needs.
#
# Fallback: if the source cannot be fetched or built, the launcher is linked
# against the stock librdkafka from librdkafka-dev; it then reports
# "patched": false and Stadion warns that partitions drop old data.
#
# Idempotent: every step is skipped when its output is up to date. All output
# goes under native/mock-broker/build/ (git-ignored). Exits non-zero only if
# even the fallback fails.
#
# Environment:
#   STADION_MOCK_BROKER_STOCK=1   build the fallback (stock) launcher on purpose
#   STADION_MOCK_BROKER_JOBS=N    parallel make jobs (default: nproc)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="$here/build"
patch_file="$here/librdkafka-mock.patch"
launcher_src="$here/launcher.c"
binary="$build/stadion-mock-broker"
variant_file="$build/variant"
logs="$build/logs"
jobs="${STADION_MOCK_BROKER_JOBS:-$(nproc 2>/dev/null || echo 2)}"
started=$(date +%s)

say() { echo "build.sh: $*"; }
warn() { echo "build.sh: WARNING: $*" >&2; }

mkdir -p "$build" "$logs"

# One build at a time per checkout.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$build/.lock"
  flock 9
fi

cc="${CC:-cc}"
command -v "$cc" >/dev/null 2>&1 || cc=gcc
cflags=(-O2 -g0 -std=gnu11 -Wall -Wextra -Wno-unused-parameter)

# The installed librdkafka-dev version, e.g. 2.0.2-1 (Debian) and 2.0.2 (upstream).
deb_version="$(dpkg-query -W -f='${Version}' librdkafka-dev 2>/dev/null || true)"
upstream_version="${deb_version#*:}"
upstream_version="${upstream_version%-*}"

# --- is the binary already up to date? ------------------------------------
up_to_date() { # $1: wanted variant ("patched <sha>" or "stock <version>")
  [ -x "$binary" ] && [ -f "$variant_file" ] && [ "$(cat "$variant_file")" = "$1" ] &&
    [ "$binary" -nt "$launcher_src" ] && [ "$binary" -nt "$here/build.sh" ]
}

patch_sha="$(sha256sum "$patch_file" | cut -c1-16)"
want_patched="patched $deb_version $patch_sha"
want_stock="stock $deb_version"

if [ "${STADION_MOCK_BROKER_STOCK:-0}" != "1" ] && up_to_date "$want_patched"; then
  say "launcher is up to date (patched librdkafka $deb_version): $binary"
  exit 0
fi

# --- patched build ----------------------------------------------------------

# Writes a deb822 deb-src entry for this machine's Debian mirror to $1, derived
# from /etc/apt (the mirror is never hard-coded). Returns non-zero if none.
write_private_sources() {
  local out="$1" codename uri signed_by
  codename="$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")"
  [ -n "$codename" ] || return 1
  # deb822 files: the first stanza whose Suites contain the codename itself.
  read -r uri signed_by < <(
    awk -v want="$codename" '
      function flush() { if (!done && uris != "" && has) { split(uris, u, " "); print u[1], sb; done = 1 } uris = ""; sb = ""; has = 0 }
      /^[ \t]*$/ { flush(); next }
      /^URIs:/ { uris = $0; sub(/^URIs:[ \t]*/, "", uris) }
      /^Signed-By:/ { sb = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == want) has = 1 }
      END { flush() }
    ' /etc/apt/sources.list.d/*.sources 2>/dev/null || true
  ) || true
  if [ -z "${uri:-}" ] && [ -f /etc/apt/sources.list ]; then
    # One-line format: deb [options] URI SUITE COMPONENTS...
    uri="$(awk -v want="$codename" '
      $1 == "deb" { n = 2; if ($2 ~ /^\[/) { while ($n !~ /\]$/) n++; n++ } if ($(n + 1) == want) { print $n; exit } }
    ' /etc/apt/sources.list)"
    signed_by=""
  fi
  [ -n "${uri:-}" ] || return 1
  {
    echo "Types: deb-src"
    echo "URIs: $uri"
    echo "Suites: $codename"
    echo "Components: main"
    if [ -n "${signed_by:-}" ] && [ -f "$signed_by" ]; then echo "Signed-By: $signed_by"; fi
  } >"$out"
}

# Downloads Debian's source package into $build/source-package.
fetch_source() {
  local dir="$build/source-package" apt="$build/apt"
  if ls "$dir"/librdkafka_"$upstream_version".orig.tar.* >/dev/null 2>&1; then
    say "source package already downloaded"
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || { warn "apt-get not found"; return 1; }
  mkdir -p "$apt/sources.list.d" "$apt/lists/partial" "$apt/cache/archives/partial" "$dir"
  write_private_sources "$apt/sources.list.d/librdkafka-src.sources" || {
    warn "could not derive a Debian mirror from /etc/apt"
    return 1
  }
  local opts=(
    -o "Dir::Etc::SourceList=/dev/null"
    -o "Dir::Etc::SourceParts=$apt/sources.list.d"
    -o "Dir::State::Lists=$apt/lists"
    -o "Dir::Cache=$apt/cache"
    -o "APT::Sandbox::User=$(id -un)"
    -o "Debug::NoLocking=1"
  )
  say "downloading Debian's source package librdkafka=$deb_version (private apt lists under build/apt)"
  if ! apt-get "${opts[@]}" -qq update >"$logs/apt-update.log" 2>&1; then
    warn "apt-get update failed (see $logs/apt-update.log)"
    return 1
  fi
  if ! (cd "$dir" && apt-get "${opts[@]}" -qq source --download-only "librdkafka=$deb_version") \
    >"$logs/apt-source.log" 2>&1; then
    warn "apt-get source failed (see $logs/apt-source.log)"
    return 1
  fi
  ls "$dir"/librdkafka_"$upstream_version".orig.tar.* >/dev/null 2>&1
}

# Applies the patch file $2 in directory $1 (-p1): patch(1), or git apply.
apply_patch() {
  if command -v patch >/dev/null 2>&1; then
    patch -d "$1" -p1 --forward --quiet <"$2"
  else
    # --git-dir keeps git from applying relative to an enclosing repository.
    (cd "$1" && git --git-dir=/nonexistent apply -p1 - <"$2")
  fi
}

# Unpacks, applies Debian's patches and ours, builds src/librdkafka.a.
build_patched_library() {
  local src="$build/librdkafka-$upstream_version" stamp
  stamp="$src/.stadion-stamp"
  if [ -f "$src/src/librdkafka.a" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_patched" ]; then
    say "patched static library is up to date"
    return 0
  fi
  rm -rf "$src"
  say "unpacking and patching librdkafka $upstream_version"
  tar -xf "$build"/source-package/librdkafka_"$upstream_version".orig.tar.* -C "$build"
  [ -d "$src" ] || { warn "unexpected tarball layout"; return 1; }
  local debian_tar
  debian_tar="$(ls "$build"/source-package/librdkafka_"$deb_version".debian.tar.* 2>/dev/null | head -n1 || true)"
  if [ -n "$debian_tar" ]; then
    tar -xf "$debian_tar" -C "$src"
    if [ -f "$src/debian/patches/series" ]; then
      local p
      while read -r p _; do
        case "$p" in '' | '#'*) continue ;; esac
        apply_patch "$src" "$src/debian/patches/$p" >>"$logs/patch.log" 2>&1 ||
          { warn "Debian patch $p did not apply (see $logs/patch.log)"; return 1; }
      done <"$src/debian/patches/series"
    fi
  fi
  apply_patch "$src" "$patch_file" >>"$logs/patch.log" 2>&1 ||
    { warn "librdkafka-mock.patch did not apply (see $logs/patch.log)"; return 1; }

  say "configuring (no SSL, SASL, curl, zlib, zstd: the mock needs none of them)"
  (cd "$src" && ./configure --no-download --disable-ssl --disable-gssapi --disable-curl \
    --disable-zlib --disable-zstd --disable-lz4-ext --disable-syslog --disable-debug-symbols) \
    >"$logs/configure.log" 2>&1 || { warn "configure failed (see $logs/configure.log)"; return 1; }
  say "compiling src/librdkafka.a with $jobs jobs"
  make -C "$src/src" -j"$jobs" librdkafka.a >"$logs/make.log" 2>&1 ||
    { warn "make failed (see $logs/make.log)"; return 1; }
  echo "$want_patched" >"$stamp"
}

link_patched() {
  local src="$build/librdkafka-$upstream_version" libs
  mkdir -p "$build/include/librdkafka"
  cp "$src/src/rdkafka.h" "$src/src/rdkafka_mock.h" "$build/include/librdkafka/"
  libs="$(sed -n 's/^LIBS=[ \t]*//p' "$src/Makefile.config" | tail -n1)"
  # shellcheck disable=SC2086 # LIBS is a list of flags
  "$cc" "${cflags[@]}" -DSTADION_MOCK_PATCHED=1 -I"$build/include" \
    -o "$binary.tmp" "$launcher_src" "$src/src/librdkafka.a" ${libs:--lm -ldl -lpthread -lrt}
  mv "$binary.tmp" "$binary"
  echo "$want_patched" >"$variant_file"
}

try_patched() {
  [ -n "$deb_version" ] || { warn "librdkafka-dev is not installed"; return 1; }
  fetch_source && build_patched_library && link_patched
}

# --- fallback: the stock library --------------------------------------------
link_stock() {
  local libdir static libs
  libdir="$(pkg-config --variable=libdir rdkafka)"
  static="$libdir/librdkafka.a"
  if [ -f "$static" ]; then
    libs="$(pkg-config --static --libs rdkafka | sed 's/-lrdkafka\b//')"
    # shellcheck disable=SC2086
    "$cc" "${cflags[@]}" -DSTADION_MOCK_PATCHED=0 $(pkg-config --cflags rdkafka) \
      -o "$binary.tmp" "$launcher_src" "$static" $libs
  else
    warn "no static librdkafka.a; linking the shared library"
    # shellcheck disable=SC2086
    "$cc" "${cflags[@]}" -DSTADION_MOCK_PATCHED=0 $(pkg-config --cflags rdkafka) \
      -o "$binary.tmp" "$launcher_src" $(pkg-config --libs rdkafka)
  fi
  mv "$binary.tmp" "$binary"
  echo "$want_stock" >"$variant_file"
}

finish() {
  say "$1 in $(($(date +%s) - started)) s: $binary"
}

if [ "${STADION_MOCK_BROKER_STOCK:-0}" != "1" ]; then
  if try_patched; then
    finish "built the launcher on PATCHED librdkafka $deb_version"
    exit 0
  fi
  warn "could not build the patched librdkafka; falling back to the stock library."
  warn "the stock mock keeps only 5 MiB or 100,000 batches per partition and SILENTLY drops older data."
fi

if up_to_date "$want_stock"; then
  say "stock launcher is up to date: $binary"
  exit 0
fi
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists rdkafka; then
  echo "build.sh: ERROR: librdkafka-dev (and pkg-config) are needed even for the fallback build" >&2
  exit 1
fi
if link_stock; then
  finish "built the launcher on the STOCK librdkafka $(pkg-config --modversion rdkafka) (not patched)"
  exit 0
fi
echo "build.sh: ERROR: could not build the launcher even against the stock librdkafka" >&2
exit 1
