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

# A component the installation does not have is refused by find_package.
if cmake -S "$src/tests/install/consumer" -B "$scratch/cmake-bogus" -G Ninja -DCPOSDK_COMPONENTS="sim;bogus" \
    -DCMAKE_PREFIX_PATH="$scratch/prefix" >"$scratch/bogus.log" 2>&1; then
  echo "find_package(cposdk COMPONENTS bogus) succeeded"; exit 1
fi
grep -q "bogus" "$scratch/bogus.log" || { cat "$scratch/bogus.log"; exit 1; }

# Plain pkg-config, without --static: the .pc lists every library the static facade needs.
export PKG_CONFIG_PATH="$scratch/prefix/lib/pkgconfig"
c++ -std=c++20 $flags "$src/tests/install/consumer/main.cpp" -o "$scratch/pc-consumer" \
  $(pkg-config --cflags --libs cposdk)
out=$(LD_LIBRARY_PATH="$scratch/prefix/lib" "$scratch/pc-consumer")
[ "$out" = "144 ports" ] || { echo "pkg-config consumer printed '$out'"; exit 1; }
test -f "$scratch/prefix/share/cposdk/profiles/cpo144.json"
echo "install consumer: find_package(COMPONENTS sim reference) and plain pkg-config both work"

# cpoctl: its version, its man page (when help2man was found at build time) and its bash
# completion are installed where man and bash-completion look.
"$scratch/prefix/bin/cpoctl" --version | grep -q "^cpoctl [0-9]" || { echo "cpoctl --version failed"; exit 1; }
test -f "$scratch/prefix/share/bash-completion/completions/cpoctl"
bash -c "source '$scratch/prefix/share/bash-completion/completions/cpoctl' && complete -p cpoctl" >/dev/null
if grep -q "^CPOSDK_HELP2MAN:FILEPATH=/" "$build/CMakeCache.txt"; then
  man_page="$scratch/prefix/share/man/man1/cpoctl.1"
  grep -q "co-packaged" "$man_page" || { echo "$man_page is missing or empty"; exit 1; }
  echo "install cpoctl: --version, man page and bash completion"
else
  echo "install cpoctl: --version and bash completion (no help2man: no man page)"
fi

# cposdk::mocks: a user's unit test on the installed MockSwitch.
cmake -S "$src/tests/install/mock_consumer" -B "$scratch/mocks" -G Ninja \
  -DCMAKE_PREFIX_PATH="$scratch/prefix" -DCMAKE_CXX_FLAGS="$flags" >/dev/null
cmake --build "$scratch/mocks" >/dev/null
LD_LIBRARY_PATH="$scratch/prefix/lib" "$scratch/mocks/mock_consumer" >/dev/null
echo "install mocks: MockSwitch builds and runs from the prefix"

# The C API: the C11 test program built from the installed header and library only (pkg-config
# cposdk-c), run on the simulator the library carries.
cc -std=c11 -Wall -Wextra -Werror -pedantic $flags "$src/tests/capi/capi_test.c" -o "$scratch/capi_test" \
  $(pkg-config --cflags --libs cposdk-c) -lpthread -lm
out=$(LD_LIBRARY_PATH="$scratch/prefix/lib" "$scratch/capi_test" sim://cpo144)
[[ "$out" == *", 0 failed" ]] || { echo "installed C program printed '$out'"; exit 1; }
echo "install C API: $out"

# Python: the installed example run with the installed package only (no build or source folder
# on the path). Sanitizer builds preload their runtime into the interpreter; ThreadSanitizer
# cannot run inside CPython.
if [[ "$flags" != *fsanitize=thread* ]]; then
  python=$(sed -n 's/^Python3_EXECUTABLE:[A-Z]*=//p' "$build/CMakeCache.txt")
  site=$(dirname "$(dirname "$(find "$scratch/prefix" -path '*/cposdk/__init__.py' | head -1)")")
  preload=""
  if [[ "$flags" == *fsanitize=*address* ]]; then
    preload="$(c++ -print-file-name=libasan.so):$(c++ -print-file-name=libubsan.so)"
    export ASAN_OPTIONS=detect_leaks=0
  fi
  cp "$scratch/prefix/share/cposdk/examples/python/bringup.py" "$scratch/bringup.py"
  where=$(cd "$scratch" && env -u PYTHONPATH PYTHONPATH="$site" LD_PRELOAD="$preload" "$python" -s -c \
    'import cposdk; print(cposdk.__file__)')
  [[ "$where" == "$scratch/prefix/"* ]] || { echo "cposdk imported from $where, not the prefix"; exit 1; }
  out=$(cd "$scratch" && env -u PYTHONPATH PYTHONPATH="$site" LD_PRELOAD="$preload" "$python" -s bringup.py)
  [[ "$out" == *"bring-up done: 16 ports up as 4x200G, 64 logical ports"* ]] ||
    { echo "installed Python example printed '$out'"; exit 1; }
  echo "install Python: ${site#"$scratch/prefix/"}/cposdk, the bring-up example runs"
fi
