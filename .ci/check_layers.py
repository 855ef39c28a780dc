#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Enforces the layer rules of DESIGN.md on sdk/<layer>/ sources.

1. A layer includes project headers only from itself and the layers below it.
2. Sans-IO layers (base, crypto, pgp, mime, store, chat, config) never include Asio.
3. Each third-party library is included by exactly one layer.
Exit code 1 with one line per violation.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SDK = ROOT / "sdk"

# Direct dependencies (DESIGN.md); the check uses their transitive closure.
DEPS = {
    "base": [],
    "crypto": ["base"],
    "pgp": ["crypto"],
    "mime": ["base"],
    "store": ["base"],
    "chat": ["pgp", "mime", "store"],
    "net": ["base"],
    "imap": ["net"],
    "smtp": ["net"],
    "runtime": ["chat", "imap", "smtp", "store"],
    "config": ["base"],
    "plugin": ["runtime", "config"],
    "lua": ["runtime", "config"],
    "cli": ["runtime", "config", "plugin", "lua"],
    "testing": ["runtime", "chat", "config"],
}
SANS_IO = {"base", "crypto", "pgp", "mime", "store", "chat", "config"}
# Public API headers every layer may use; the rest of dcbot/ belongs to runtime and above.
BASE_PUBLIC = {"dcbot/result.h", "dcbot/log.h"}
RUNTIME_AND_UP = {"runtime", "plugin", "lua", "cli", "testing"}
# Public headers implemented by a lower layer: that layer and the layers above it may include them.
PUBLIC_OWNERS = {"dcbot/value.h": "config", "dcbot/version.h": "base"}
# third-party include prefix -> the only layer allowed to include it
OWNERS = {
    "cryptopp/": "crypto",
    "sqlite3.h": "store",
    "yaml-cpp/": "config",
    "lua.h": "lua", "lualib.h": "lua", "lauxlib.h": "lua", "lua.hpp": "lua",
    "spdlog/": "base",
    "zlib.h": "pgp",
    "qrencode.h": "cli",
    "CLI/": "cli",
    "openssl/": "net",
    "zip.h": "chat",
}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def closure(layer, seen=None):
    seen = set() if seen is None else seen
    for dep in DEPS.get(layer, []):
        if dep not in seen:
            seen.add(dep)
            closure(dep, seen)
    return seen


def main():
    errors = []
    for layer_dir in sorted(p for p in SDK.iterdir() if p.is_dir() and p.name != "include"):
        layer = layer_dir.name
        if layer not in DEPS:
            errors.append(f"sdk/{layer}: not a layer of DESIGN.md (add it to .ci/check_layers.py)")
            continue
        allowed = closure(layer) | {layer}
        for src in sorted(layer_dir.rglob("*")):
            if src.suffix not in (".h", ".cpp"):
                continue
            is_test = src.name.endswith("_test.cpp")
            rel = src.relative_to(ROOT)
            for lineno, line in enumerate(src.read_text(errors="replace").splitlines(), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                kind, path = m.groups()
                where = f"{rel}:{lineno}"
                if kind == '"':
                    top = path.split("/")[0]
                    if top == "dcbot":
                        owner = PUBLIC_OWNERS.get(path)
                        if owner is not None and (owner == layer or owner in allowed):
                            continue
                        if path not in BASE_PUBLIC and layer not in RUNTIME_AND_UP and not is_test:
                            errors.append(f"{where}: {layer} may not include public API {path}")
                    elif top in DEPS and top not in allowed and not (is_test and top == "testing"):
                        errors.append(f"{where}: {layer} may not include {path} (layer {top} is not below it)")
                    continue
                if path.startswith("boost/asio") and layer in SANS_IO:
                    errors.append(f"{where}: sans-IO layer {layer} includes Asio")
                for prefix, owner in OWNERS.items():
                    if path.startswith(prefix) and owner != layer:
                        errors.append(f"{where}: only layer {owner} may include <{path}>")
    for e in errors:
        print(e)
    if errors:
        return 1
    print("layers: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
