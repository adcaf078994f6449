#!/usr/bin/env bash
# Checks libcposdk_c: its SONAME and its symbols' version node carry CPO_ABI_VERSION, it exports
# only cpo_* functions, and every function cpo/cpo.h declares is exported.
# Usage: check_exports.sh LIBRARY HEADER
set -euo pipefail
lib=$1
header=$2
abi=$(sed -n 's/^#define CPO_ABI_VERSION \([0-9]*\).*/\1/p' "$header")
soname=$(objdump -p "$lib" | awk '$1 == "SONAME" {print $2}')
[ "$soname" = "libcposdk_c.so.$abi" ] || { echo "SONAME is '$soname', expected libcposdk_c.so.$abi"; exit 1; }

versioned=$(nm -D --defined-only "$lib" | awk '$2 != "A" {print $3}')
unversioned=$(grep -v "@@CPOSDK_C_$abi\$" <<<"$versioned" || true)
[ -z "$unversioned" ] || { echo "symbols not in version node CPOSDK_C_$abi:"; echo "$unversioned" | head -20; exit 1; }
exported=$(sed 's/@.*//' <<<"$versioned" | sort -u)
stray=$(grep -v '^cpo_' <<<"$exported" || true)
[ -z "$stray" ] || { echo "exported symbols outside cpo_*:"; echo "$stray" | head -20; exit 1; }

declared=$(grep -o '^[a-z_0-9 *]*[ *]cpo_[a-z_0-9]*(' "$header" | sed 's/.*\(cpo_[a-z_0-9]*\)(/\1/' | sort -u)
missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
[ -z "$missing" ] || { echo "declared in cpo.h but not exported:"; echo "$missing"; exit 1; }
echo "$soname: $(wc -l <<<"$exported") cpo_* symbols, every declared function exported"
