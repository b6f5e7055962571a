#!/usr/bin/env bash
# Fails when a test suite in Tests/ has no time limit: every `@Suite(...)` must carry `.timeLimit(.minutes(N))`, and
# every file with `@Test` must declare its suite with `@Suite`, so a hung test fails instead of stalling the run;
# a suite that takes turns for the CPU (`.uses(.cpu)`) needs at least 10 minutes, since its queue wait counts.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import pathlib, re, sys

def attribute(text, start):
    """The text of the attribute starting at `start` (`@Suite` plus its parenthesised arguments, if any)."""
    i = start + len("@Suite")
    while i < len(text) and text[i] in " \t": i += 1
    if i >= len(text) or text[i] != "(": return text[start:i]
    depth, quoted, j = 0, False, i
    while j < len(text):
        c = text[j]
        if quoted:
            if c == "\\": j += 1
            elif c == '"': quoted = False
        elif c == '"': quoted = True
        elif c == "(": depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0: return text[start:j + 1]
        j += 1
    return text[start:]

missing = []
for path in sorted(pathlib.Path("Tests").rglob("*.swift")):
    text = path.read_text()
    suites = [m.start() for m in re.finditer(r"^\s*@Suite\b", text, re.M)]
    if re.search(r"^\s*@Test\b", text, re.M) and not suites:
        missing.append(f"{path}: has @Test but no @Suite (give the type an @Suite with .timeLimit)")
    for start in suites:
        attr = attribute(text, text.index("@Suite", start))
        line = text.count("\n", 0, text.index("@Suite", start)) + 1
        if ".timeLimit(" not in attr:
            missing.append(f"{path}:{line}: @Suite without .timeLimit(.minutes(N)): {attr.splitlines()[0].strip()}")
        # A suite that takes turns for a shared resource waits in its queue inside its time limit: on a slow CI
        # machine a 5-minute limit ran out in the queue before the tests began.
        limit = re.search(r"\.timeLimit\(\.minutes\((\d+)\)\)", attr)
        if ".uses(.cpu)" in attr and limit and int(limit.group(1)) < 10:
            missing.append(f"{path}:{line}: @Suite with .uses(.cpu) needs .timeLimit(.minutes(10)) or more (its wait for the CPU permit counts): {attr.splitlines()[0].strip()}")
if missing:
    print("test suites without a time limit:", *missing, sep="\n  ", file=sys.stderr)
    sys.exit(1)
print("check-test-time-limits: every suite has a time limit")
PY
