#!/usr/bin/env python3
"""Turns every ```cpp block of a Markdown page into a GoogleTest case that runs it as the body
of `void example(cpo::Switch& sw)` on a freshly opened sim://cpo144, so documented examples
are compiled and executed by the test suite.

usage: extract_examples.py PAGE.md OUT.cpp SUITE"""
import pathlib
import re
import sys

page, out, suite = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
blocks = re.findall(r"^```cpp\n(.*?)^```", page.read_text(), flags=re.S | re.M)
if not blocks:
    sys.exit(f"{page}: no cpp blocks")

parts = [
    f"// Generated from {page.name} by tests/tools/extract_examples.py: edit the page, not this file.",
    "#include <chrono>", "#include <cstdio>", "#include <string>", "#include <thread>", "#include <vector>", "",
    "#include <gtest/gtest.h>", "", "#include <cpo/sdk/switch.h>", "", "namespace {",
]
for i, body in enumerate(blocks, 1):
    line = page.read_text()[: page.read_text().find(body)].count("\n") + 1
    parts.append(f"// {page.name} line {line}")
    parts.append(f"void example_{i}(cpo::Switch& sw) {{\n  (void)sw;\n#line {line} \"{page}\"\n{body}}}")
parts.append("}  // namespace")
for i in range(1, len(blocks) + 1):
    parts.append(f"TEST({suite}, Example{i}) {{\n  auto sw = cpo::Switch::open(\"sim://cpo144\");\n"
                 f"  ASSERT_TRUE(sw.ok()) << sw.status().to_string();\n  example_{i}(**sw);\n}}")
text = "\n".join(parts) + "\n"
if not out.exists() or out.read_text() != text:
    out.write_text(text)
