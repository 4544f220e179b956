#!/usr/bin/env python3
"""Attendance ingest: Darasa beside DuckDB and pandas, on the same files in the same run.

Runs `darasa bench ingest --keep DIR --json`, then loads the very files it generated
(DIR/registers/**.csv and DIR/hr/teacher_attendance_*.csv) with DuckDB (typed read_csv into
an on-disk database) and with pandas (read_csv + concat, then DataFrame.to_sql into SQLite),
and prints rows/s and the ratio Darasa rows/s / tool rows/s. See bench/README.md.
"""
import argparse, gc, json, shutil, sqlite3, subprocess, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import darasa_binary, ensure_deps, last_json_object  # noqa: E402

NOTE = ("Darasa's seconds include validation, reference resolution, quarantine checks and "
        "summary refresh; DuckDB's are a raw typed load, pandas' a raw read + to_sql.")


def rate(rows, seconds):
    return round(rows / seconds) if seconds > 0 else 0


def run_darasa(args, country):
    """Best of --repeat runs of `darasa bench ingest`; the last run's files stay in `country`."""
    best, seconds = None, []
    for _ in range(args.repeat):
        shutil.rmtree(country, ignore_errors=True)
        cmd = [darasa_binary(args.darasa, __file__), "bench", "ingest", "--learners", str(args.learners),
               "--seed", str(args.seed), "--keep", str(country), "--json"]
        if args.database:
            cmd += ["--database", args.database]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        if r.returncode != 0:
            sys.exit(f"ingest.py: {' '.join(cmd)} exited {r.returncode}")
        result = last_json_object(r.stdout)
        if result is None:
            sys.exit(f"ingest.py: no JSON object from {' '.join(cmd)}:\n{r.stdout}")
        seconds.append(result["seconds"])
        if best is None or result["seconds"] < best["seconds"]:
            best = result
    best["runs_seconds"] = seconds
    return best


def stub_darasa(args, country):
    """Hidden --darasa-json: Darasa's result from a file; generate the country if it is missing."""
    if not (country / "registers").is_dir():
        subprocess.run([darasa_binary(args.darasa, __file__), "generate", "--out", str(country), "--learners",
                        str(args.learners), "--seed", str(args.seed)], stdout=sys.stderr, check=True)
    return json.loads(Path(args.darasa_json).read_text())


REG_COLUMNS = {"school_code": "VARCHAR", "grade": "INTEGER", "section": "VARCHAR",
               "learner_id": "UUID", "learner_name": "VARCHAR",
               **{f"d{d:02}": "VARCHAR" for d in range(1, 32)}}
HR_COLUMNS = {"payroll_no": "VARCHAR", "date": "DATE", "status": "VARCHAR"}


def time_duckdb(db, table, files, columns, filename):
    """CREATE TABLE AS SELECT * FROM read_csv([files], explicit types) into a DB file: no sniffing,
    insertion order not kept (DuckDB's bulk-load advice). filename=true where the path carries
    data (a register's month is only in its file name)."""
    import duckdb
    db.unlink(missing_ok=True)
    cols = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute("SET preserve_insertion_order = false; SET enable_progress_bar = false")
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv($files, header = true, "
                f"columns = {cols}, filename = {str(filename).lower()})",
                {"files": [str(f) for f in files]})
    con.close()  # checkpoint: the rows are on disk
    seconds = time.perf_counter() - t0
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    con.close()
    return {"files": len(files), "rows": rows, "seconds": round(seconds, 3),
            "rows_per_second": rate(rows, seconds)}


def time_pandas(db, table, files, filename):
    """pd.read_csv each file (default C engine, inferred dtypes), concat, DataFrame.to_sql into
    SQLite; a filename column where the path carries data, as for DuckDB."""
    import pandas as pd
    db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    frames = [pd.read_csv(f) for f in files]
    if filename:
        frames = [df.assign(filename=str(f)) for df, f in zip(frames, files)]
    df = pd.concat(frames, ignore_index=True)
    del frames
    t1 = time.perf_counter()
    con = sqlite3.connect(db)
    df.to_sql(table, con, index=False)
    con.close()
    t2 = time.perf_counter()
    rows = len(df)
    del df
    gc.collect()
    return {"files": len(files), "rows": rows, "read_seconds": round(t1 - t0, 3),
            "write_seconds": round(t2 - t1, 3), "seconds": round(t2 - t0, 3),
            "rows_per_second": rate(rows, t2 - t0)}


def best_of(n, fn, *a):
    runs = [fn(*a) for _ in range(n)]
    best = dict(min(runs, key=lambda r: r["seconds"]))
    best["runs_seconds"] = [r["seconds"] for r in runs]
    return best


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--learners", type=int, default=200000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--darasa", help="darasa binary (default: .build/release/darasa, built if absent)")
    p.add_argument("--database", help="passed to darasa bench ingest --database")
    p.add_argument("--dir", help="work dir (default: a temp dir, removed at the end unless --keep)")
    p.add_argument("--keep", action="store_true", help="keep the temp work dir")
    p.add_argument("--repeat", type=int, default=1, help="run each tool N times, report the best (and every run's seconds)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--darasa-json", help=argparse.SUPPRESS)  # testing: Darasa's result from a file
    args = p.parse_args()
    ensure_deps(__file__)
    import duckdb, pandas

    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="darasa-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    country = work / "country"
    try:
        darasa = (stub_darasa if args.darasa_json else run_darasa)(args, country)
        registers = sorted((country / "registers").glob("*/*/*.csv"))
        checkins = sorted((country / "hr").glob("teacher_attendance_*.csv"))
        if not registers:
            sys.exit(f"ingest.py: no register CSVs under {country}/registers")
        duck = {"version": duckdb.__version__,
                "threads": int(duckdb.sql("SELECT current_setting('threads')").fetchone()[0]),
                "registers": best_of(args.repeat, time_duckdb, work / "duckdb.db", "registers",
                                     registers, REG_COLUMNS, True),
                "teacher_checkins": best_of(args.repeat, time_duckdb, work / "duckdb_hr.db",
                                            "teacher_checkins", checkins, HR_COLUMNS, False)}
        pand = {"version": pandas.__version__, "engine": "c",
                "registers": best_of(args.repeat, time_pandas, work / "pandas.sqlite", "registers",
                                     registers, True),
                "teacher_checkins": best_of(args.repeat, time_pandas, work / "pandas_hr.sqlite",
                                            "teacher_checkins", checkins, False)}
    finally:
        if not args.dir and not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    sources = {"registers": darasa, "teacher_checkins": darasa.get("teacher_checkins") or {}}
    warnings, ratios = [], {}
    for source, d in sources.items():
        prefix = "" if source == "registers" else source + "_"
        for name, tool in (("duckdb", duck), ("pandas", pand)):
            t = tool[source]
            if d.get("rows") is not None and t["rows"] != d["rows"]:
                warnings.append(f"{source}: {name} loaded {t['rows']} rows, darasa {d['rows']}")
            if d.get("rows_per_second") and t["rows_per_second"]:
                ratios[f"{prefix}darasa_vs_{name}"] = round(d["rows_per_second"] / t["rows_per_second"], 2)
    for w in warnings:
        print("WARNING: row counts differ: " + w, file=sys.stderr)

    if args.json:
        print(json.dumps({"benchmark": "ingest", "learners": args.learners, "seed": args.seed,
                          "darasa": darasa, "duckdb": duck, "pandas": pand, "ratios": ratios,
                          "warnings": warnings, "note": NOTE}))
        return
    print(f"Attendance ingest, {args.learners} learners, seed {args.seed} "
          f"(darasa engine: {darasa.get('engine', '?')}; duckdb {duck['version']} with "
          f"{duck['threads']} threads; pandas {pand['version']}, C parser, to_sql into SQLite)")
    fmt = "{:<17} {:<8} {:>6} {:>11} {:>9} {:>11} {:>17}"
    print(fmt.format("source", "tool", "files", "rows", "seconds", "rows/s", "darasa ÷ tool"))
    for source, d in sources.items():
        prefix = "" if source == "registers" else source + "_"
        for name, r in (("darasa", d), ("duckdb", duck[source]), ("pandas", pand[source])):
            ratio = ratios.get(f"{prefix}darasa_vs_{name}")
            print(fmt.format(source, name, r.get("files", "?"), f"{r.get('rows', 0):,}",
                             f"{r.get('seconds', 0):.2f}", f"{round(r.get('rows_per_second', 0)):,}",
                             "" if ratio is None else f"{ratio:.2f}×"))
        pr = pand[source]
        print(f"{'':<17} pandas split: read_csv {pr['read_seconds']:.2f} s, "
              f"to_sql {pr['write_seconds']:.2f} s")
    if args.repeat > 1:
        print(f"best of {args.repeat} runs each; every run's seconds (registers): " + "; ".join(
            f"{name} " + ", ".join(f"{x:.2f}" for x in r.get("runs_seconds", []))
            for name, r in (("darasa", darasa), ("duckdb", duck["registers"]), ("pandas", pand["registers"]))))
    if "marks_per_second" in darasa:
        print(f"darasa registers: {darasa.get('day_marks', 0):,} day marks, "
              f"{round(darasa['marks_per_second']):,} marks/s")
    print("Note: " + NOTE)


if __name__ == "__main__":
    main()
