#!/usr/bin/env bash
# Installs the build tree to a scratch prefix, then builds and runs the consumer twice:
# with find_package(cposdk) and with pkg-config. The consumer calls into the PCIe facade
# too, so a missing link dependency shows. Usage: run.sh BUILD_DIR SOURCE_DIR [CXXFLAGS]
# (the build's flags, so sanitizer builds link their instrumented libraries).
set -euo pipefail
build=$1
src=$2
flags=${3:-}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cmake --install "$build" --prefix "$scratch/prefix" >/dev/null

cmake -S "$src/tests/install/consumer" -B "$scratch/cmake" -G Ninja \
  -DCMAKE_PREFIX_PATH="$scratch/prefix" -DCMAKE_CXX_FLAGS="$flags" >/dev/null
cmake --build "$scratch/cmake" >/dev/null
out=$(LD_LIBRARY_PATH="$scratch/prefix/lib" "$scratch/cmake/consumer")
[ "$out" = "144 ports" ] || { echo "find_package consumer printed '$out'"; exit 1; }

export PKG_CONFIG_PATH="$scratch/prefix/lib/pkgconfig"
c++ -std=c++20 $flags "$src/tests/install/consumer/main.cpp" -o "$scratch/pc-consumer" \
  $(pkg-config --static --cflags --libs cposdk)
out=$(LD_LIBRARY_PATH="$scratch/prefix/lib" "$scratch/pc-consumer")
[ "$out" = "144 ports" ] || { echo "pkg-config consumer printed '$out'"; exit 1; }
test -f "$scratch/prefix/share/cposdk/profiles/cpo144.json"
echo "install consumer: find_package and pkg-config both work"
