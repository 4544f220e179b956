"""What the bench/ scripts share: their PyPI dependencies, the darasa binary, its JSON output."""
import json, os, re, subprocess, sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def ensure_deps(script):
    """Import duckdb and pandas, pip-installing bench/requirements.txt once if missing, then
    re-running `script` (the caller's __file__) with the same arguments."""
    name = Path(script).name
    try:
        import duckdb, pandas  # noqa: F401
        return
    except ImportError:
        if os.environ.get("DARASA_BENCH_DEPS_TRIED"):
            sys.exit(f"{name}: duckdb/pandas still not importable after pip install")
    base = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "-r", str(HERE / "requirements.txt")]
    in_venv = sys.prefix != sys.base_prefix
    # Outside a virtualenv: the user site; Debian's python3 (PEP 668) also wants
    # --break-system-packages for that (it still touches ~/.local only).
    tries = [base] if in_venv else [base + ["--user"], base + ["--user", "--break-system-packages"]]
    for cmd in tries:
        print(f"{name}: " + " ".join(cmd[2:]), file=sys.stderr)
        r = subprocess.run(cmd, stdout=sys.stderr, stderr=subprocess.PIPE, text=True)
        if r.returncode == 0:
            env = dict(os.environ, DARASA_BENCH_DEPS_TRIED="1")
            os.execve(sys.executable, [sys.executable, str(Path(script).resolve()), *sys.argv[1:]], env)
        if "externally-managed-environment" not in r.stderr:
            break
    sys.stderr.write(r.stderr)
    sys.exit(f"{name}: could not pip install bench/requirements.txt")


def darasa_binary(path, script):
    """`path`, or .build/release/darasa (built first if absent)."""
    if path:
        return path
    release = REPO / ".build" / "release" / "darasa"
    if not release.exists():
        print(f"{Path(script).name}: building darasa (swift build -c release --product darasa)", file=sys.stderr)
        subprocess.run(["swift", "build", "-c", "release", "--product", "darasa"], cwd=REPO,
                       stdout=sys.stderr, check=True)
    return str(release)


def last_json_object(text):
    """The last JSON object in text that starts a line (one-line or pretty-printed)."""
    starts = [m.start() for m in re.finditer(r"^\{", text, re.M)]
    for start in reversed(starts):
        try:
            return json.JSONDecoder().raw_decode(text[start:])[0]
        except ValueError:
            continue
    return None
