#!/usr/bin/env python3
"""Fails when a module imports across the rules of docs/architecture.md, or Package.swift says more than the code.

The rules live in one place, the "Import rules" table of docs/architecture.md; this script reads them from there:

- a module under Sources/ imports only the project modules its row allows, and none of the modules its row
  forbids (e.g. render never imports Logging or Foundation); every module under Sources/ has a row;
- only the `semroute` executable bootstraps logging, metrics or tracing (`LoggingSystem.bootstrap`, ...);
- every dependency a target declares in Package.swift is imported by at least one of its files (a test target
  may name an executable it runs, so SwiftPM builds it first: listed in BUILD_ORDER_ONLY), and no target
  declares a project module its row does not allow.

`--self-test` plants a violation of each kind in a scratch copy and checks that each is reported.
Usage: hack/check-imports.py [--root DIR] [--self-test]
"""
import os
import re
import shutil
import sys
import tempfile

BUILD_ORDER_ONLY = {("SemrouteCLITests", "semroute")}
BOOTSTRAP = re.compile(r"\b(LoggingSystem|MetricsSystem|InstrumentationSystem)\.bootstrap\b")
IMPORT = re.compile(r"^\s*(?:@testable\s+|@preconcurrency\s+|@_exported\s+)?import\s+(?:(?:struct|enum|class|func|protocol|typealias)\s+)?(\w+)")


def targets(package):
    """(kind, name, declared project modules, declared products) per target of Package.swift."""
    text = open(package).read()
    starts = list(re.finditer(r'\.(target|executableTarget|testTarget|systemLibrary)\(name: "([^"]+)"', text))
    out = []
    for i, m in enumerate(starts):
        body = text[m.end(): starts[i + 1].start() if i + 1 < len(starts) else len(text)]
        body = re.sub(r"//.*", "", body).split("exclude:")[0].split("path:")[0]
        products = re.findall(r'\.product\(name: "([^"]+)"', body)
        modules = re.findall(r'"([A-Za-z0-9_-]+)"', re.sub(r"\.product\([^)]*\)", "", body))
        out.append((m.group(1), m.group(2), modules, products))
    return out


def rules(architecture):
    """module -> (allowed project modules or None for any, forbidden modules), from the Import rules table."""
    text = open(architecture).read()
    section = re.search(r"^## Import rules\n(.*?)(?=^## )", text, re.S | re.M)
    if not section:
        sys.exit(f"{architecture}: no '## Import rules' section")
    table = {}
    for line in section.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        names = lambda cell: re.findall(r"`([^`]+)`", cell)
        allowed = None if cells[1].lower().startswith("any") else set(names(cells[1]))
        table[names(cells[0])[0]] = (allowed, set(names(cells[2])))
    return table


def imports(folder):
    found = []  # (path, line number, module)
    for base, _, files in os.walk(folder):
        for f in sorted(files):
            if not f.endswith(".swift"):
                continue
            path = os.path.join(base, f)
            for n, line in enumerate(open(path, errors="replace"), 1):
                m = IMPORT.match(line)
                if m:
                    found.append((path, n, m.group(1)))
    return found


def check(root):
    problems = []
    arch = os.path.join(root, "docs/architecture.md")
    table = rules(arch)
    declared = targets(os.path.join(root, "Package.swift"))
    project = {name for _, name, _, _ in declared}
    for kind, name, modules, products in declared:
        if kind == "systemLibrary":
            continue
        folder = os.path.join(root, "Tests" if kind == "testTarget" else "Sources", name)
        found = imports(folder)
        used = {m for _, _, m in found}
        rel = lambda p: os.path.relpath(p, root)
        if kind != "testTarget":
            if name not in table:
                problems.append(f"Sources/{name}: no row in the Import rules of docs/architecture.md")
                continue
            allowed, forbidden = table[name]
            for path, n, module in found:
                if module in forbidden:
                    problems.append(f"{rel(path)}:{n}: {name} imports {module}, which the Import rules forbid")
                elif module in project and module != name and allowed is not None and module not in allowed:
                    problems.append(f"{rel(path)}:{n}: {name} imports {module}, which the Import rules do not allow")
            for module in modules:
                if allowed is not None and module not in allowed:
                    problems.append(f"Package.swift: {name} declares {module}, which the Import rules do not allow")
            if name != "semroute":
                for base, _, files in os.walk(folder):
                    for f in files:
                        if not f.endswith(".swift"):
                            continue
                        path = os.path.join(base, f)
                        for n, line in enumerate(open(path, errors="replace"), 1):
                            if BOOTSTRAP.search(line) and not line.lstrip().startswith("//"):
                                problems.append(f"{rel(path)}:{n}: only the semroute executable bootstraps logging, metrics or tracing")
        for dep in modules + products:
            if dep not in used and (name, dep) not in BUILD_ORDER_ONLY:
                problems.append(f"Package.swift: {name} declares {dep} but no file of it imports {dep}")
        for dep in [d for d in modules + products if (modules + products).count(d) > 1]:
            problems.append(f"Package.swift: {name} declares {dep} twice")
    return sorted(set(problems))


def self_test(root):
    scratch = tempfile.mkdtemp(prefix="check-imports-")
    try:
        for part in ["Package.swift", "docs/architecture.md"]:
            os.makedirs(os.path.dirname(os.path.join(scratch, part)), exist_ok=True)
            shutil.copy(os.path.join(root, part), os.path.join(scratch, part))
        shutil.copytree(os.path.join(root, "Sources"), os.path.join(scratch, "Sources"))
        shutil.copytree(os.path.join(root, "Tests"), os.path.join(scratch, "Tests"), ignore=shutil.ignore_patterns("Golden", "python"))
        if check(scratch):
            return ["the unmodified tree already fails: " + "; ".join(check(scratch)[:3])]
        plants = {
            "Sources/SemanticRouteRender/Planted.swift": ("import Logging\n", "SemanticRouteRender imports Logging"),
            "Sources/ClassifierCore/Planted.swift": ("import KubeCore\n", "ClassifierCore imports KubeCore"),
            "Sources/SemanticRouteController/Planted.swift": ("func f() { LoggingSystem.bootstrap { _ in fatalError() } }\n", "only the semroute executable bootstraps"),
        }
        for path, (text, _) in plants.items():
            open(os.path.join(scratch, path), "w").write(text)
        package = os.path.join(scratch, "Package.swift")
        text = open(package).read()
        text = text.replace('.target(name: "ClassifierConfig")', '.target(name: "ClassifierConfig", dependencies: ["KubeCore"])')
        open(package, "w").write(text)
        found = check(scratch)
        missing = [what for _, what in plants.values() if not any(what in p for p in found)]
        if not any("ClassifierConfig declares KubeCore" in p for p in found):
            missing.append("ClassifierConfig declares KubeCore (not allowed, and unused)")
        return [f"a planted violation was not reported: {m}" for m in missing]
    finally:
        shutil.rmtree(scratch)


def main():
    args = sys.argv[1:]
    root = os.path.abspath(args[args.index("--root") + 1]) if "--root" in args else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if "--self-test" in args:
        failures = self_test(root)
        for f in failures:
            print(f, file=sys.stderr)
        print("check-imports self-test: " + ("FAILED" if failures else "every planted violation was reported"))
        sys.exit(1 if failures else 0)
    problems = check(root)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"{len(problems)} import-rule problem(s); the rules are the Import rules table of docs/architecture.md", file=sys.stderr)
        sys.exit(1)
    print("imports follow docs/architecture.md's Import rules; Package.swift declares only what the code imports")


if __name__ == "__main__":
    main()
