#!/usr/bin/env python3
"""Indicators: Darasa beside DuckDB and pandas, on the same country in the same run.

Runs `darasa bench indicators --keep DIR --json` (a generated country; its latest register month
held back and imported at the end), then computes the tables Darasa reports under "compared"
(attendance rate by district, by district x sex, by district x grade; chronic absence rate by
district and by district x sex, for the latest school year, without the held-back month) from
the very same files with DuckDB and with pandas. Prints each tool's load and query seconds, the
ratios to Darasa's seconds for the same tables, and the largest difference between the tools'
figures and Darasa's (they must agree). See bench/README.md.
"""
import argparse, csv, gc, json, shutil, subprocess, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import darasa_binary, ensure_deps, last_json_object  # noqa: E402

DAYS = [f"d{d:02}" for d in range(1, 32)]
NOTE = ("Darasa answers from summaries it keeps up to date as data lands (their cost is in its load "
        "and import seconds); DuckDB and pandas compute from the raw registers each time, so their "
        "query seconds are what a dashboard built on them would wait.")


def school_districts(country):
    """School code -> district code, from the OneRoster orgs (school -> zone -> district)."""
    orgs = {}
    with open(country / "oneroster" / "orgs.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            orgs[r["sourcedId"]] = r
    out = {}
    for r in orgs.values():
        if r["type"] != "school":
            continue
        up = orgs.get(r["parentSourcedId"])
        while up is not None and up["type"] != "district":
            up = orgs.get(up["parentSourcedId"])
        if up is not None:
            out[r["identifier"]] = up["identifier"]
    return out


def register_files(country, held_back):
    """The latest year's register files, without the held-back month (what Darasa's catalogue saw)."""
    files = sorted((country / "registers").glob("*/*/*.csv"))
    year = max(f.parts[-3] for f in files)
    return [f for f in files if f.parts[-3] == year and f.stem != held_back]


def present_expr(cols):
    return " + ".join(f"(coalesce({c}, '') IN ('P', 'L'))::INT" for c in cols)


def recorded_expr(cols):
    return " + ".join(f"(coalesce({c}, '') IN ('P', 'L', 'A', 'E'))::INT" for c in cols)


def run_duckdb(work, files, districts, demographics):
    import duckdb
    db = work / "indicators.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute("SET preserve_insertion_order = false; SET enable_progress_bar = false")
    t0 = time.perf_counter()
    # Only the columns the figures need (a register's names stay out).
    con.execute(f"CREATE TABLE registers AS SELECT school_code, grade, learner_id, {', '.join(DAYS)} FROM "
                f"read_csv($files, header = true, all_varchar = true)", {"files": [str(f) for f in files]})
    con.execute("CREATE TABLE districts (school_code VARCHAR, district VARCHAR)")
    con.executemany("INSERT INTO districts VALUES (?, ?)", list(districts.items()))
    con.execute(f"CREATE TABLE demographics AS SELECT sourcedId AS learner_id, sex FROM read_csv($f, header = true, all_varchar = true)",
                {"f": str(demographics)})
    load = time.perf_counter() - t0
    t1 = time.perf_counter()
    con.execute(f"""
        CREATE TEMP TABLE per_learner AS
        SELECT r.learner_id, r.school_code, d.district, CAST(r.grade AS INTEGER) AS grade, g.sex,
               SUM({recorded_expr(DAYS)}) AS recorded, SUM({present_expr(DAYS)}) AS present
        FROM registers r JOIN districts d USING (school_code) LEFT JOIN demographics g USING (learner_id)
        GROUP BY ALL""")
    out = {}
    for key, by in (("attendance_rate|", None), ("attendance_rate|sex", "sex"), ("attendance_rate|grade", "grade")):
        cat = f"CAST({by} AS VARCHAR)" if by else "'all'"
        rows = con.execute(f"SELECT district, {cat}, SUM(present)::DOUBLE / SUM(recorded) FROM per_learner "
                           f"GROUP BY ALL HAVING SUM(recorded) > 0").fetchall()
        out[key] = {f"{d}|{c}": v for d, c, v in rows}
    for key, by in (("chronic_absence_rate|", None), ("chronic_absence_rate|sex", "sex")):
        cat = f"CAST({by} AS VARCHAR)" if by else "'all'"
        rows = con.execute(f"SELECT district, {cat}, SUM(CASE WHEN (recorded - present) * 10 >= recorded THEN 1 ELSE 0 END)::DOUBLE "
                           f"/ COUNT(*) FROM per_learner WHERE recorded > 30 GROUP BY ALL").fetchall()
        out[key] = {f"{d}|{c}": v for d, c, v in rows}
    query = time.perf_counter() - t1
    rows = con.execute("SELECT count(*) FROM registers").fetchone()[0]
    threads = int(con.execute("SELECT current_setting('threads')").fetchone()[0])
    con.close()
    return {"version": duckdb.__version__, "threads": threads, "register_rows": rows,
            "load_seconds": round(load, 3), "query_seconds": round(query, 4)}, out


def run_pandas(files, districts, demographics):
    import pandas as pd
    t0 = time.perf_counter()
    usecols = ["school_code", "grade", "learner_id", *DAYS]
    df = pd.concat([pd.read_csv(f, usecols=usecols, dtype=str, keep_default_na=False) for f in files], ignore_index=True)
    dem = pd.read_csv(demographics, usecols=["sourcedId", "sex"], dtype=str).rename(columns={"sourcedId": "learner_id"})
    load = time.perf_counter() - t0
    t1 = time.perf_counter()
    marks = df[DAYS]
    frame = df[["school_code", "grade", "learner_id"]].copy()
    frame["present"] = marks.isin(["P", "L"]).sum(axis=1)
    frame["recorded"] = marks.isin(["P", "L", "A", "E"]).sum(axis=1)
    frame["district"] = frame["school_code"].map(districts)
    per = frame.groupby(["learner_id", "school_code", "district", "grade"], as_index=False)[["present", "recorded"]].sum()
    per = per.merge(dem, on="learner_id", how="left")
    out = {}
    for key, by in (("attendance_rate|", None), ("attendance_rate|sex", "sex"), ("attendance_rate|grade", "grade")):
        g = per.groupby(["district"] + ([by] if by else []))[["present", "recorded"]].sum()
        g = g[g["recorded"] > 0]
        out[key] = {f"{i[0]}|{int(i[1]) if by == 'grade' else i[1]}" if by else f"{i}|all": p / r
                    for i, p, r in zip(g.index, g["present"], g["recorded"])}
    base = per[per["recorded"] > 30].assign(chronic=lambda x: ((x["recorded"] - x["present"]) * 10 >= x["recorded"]).astype(int))
    for key, by in (("chronic_absence_rate|", None), ("chronic_absence_rate|sex", "sex")):
        g = base.groupby(["district"] + ([by] if by else []))["chronic"].mean()
        out[key] = {(f"{i[0]}|{i[1]}" if by else f"{i}|all"): v for i, v in g.items()}
    query = time.perf_counter() - t1
    rows = len(df)
    del df, frame, per, base
    gc.collect()
    return {"version": pd.__version__, "register_rows": rows, "load_seconds": round(load, 3), "query_seconds": round(query, 4)}, out


def largest_difference(ours, theirs):
    """The largest |difference| over the cells both have, and the cells only one has."""
    worst, missing = 0.0, []
    for table, cells in ours.items():
        other = theirs.get(table, {})
        for k, v in cells.items():
            if k in other:
                worst = max(worst, abs(v - other[k]))
            else:
                missing.append(f"{table} {k}")
        missing += [f"{table} {k} (not in darasa)" for k in other if k not in cells]
    return worst, missing


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--learners", type=int, default=200000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--darasa", help="darasa binary (default: .build/release/darasa, built if absent)")
    p.add_argument("--database", help="passed to darasa bench indicators --database")
    p.add_argument("--dir", help="work dir (default: a temp dir, removed at the end)")
    p.add_argument("--darasa-json", help="Darasa's JSON from an earlier run (with --country)")
    p.add_argument("--country", help="the country that run kept (--keep)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = p.parse_args()
    ensure_deps(__file__)

    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="darasa-bench-ind-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.darasa_json:
            darasa = last_json_object(Path(args.darasa_json).read_text())
            country = Path(args.country or darasa.get("country") or "")
        else:
            country = work / "country"
            shutil.rmtree(country, ignore_errors=True)
            data = work / "darasa-data"
            cmd = [darasa_binary(args.darasa, __file__), "bench", "indicators", "--learners", str(args.learners), "--seed", str(args.seed),
                   "--keep", str(country), "--json"]
            cmd += ["--database", args.database] if args.database else ["--data-dir", str(data)]
            r = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
            if r.returncode != 0:
                sys.exit(f"indicators.py: {' '.join(cmd)} exited {r.returncode}")
            darasa = last_json_object(r.stdout)
            shutil.rmtree(data, ignore_errors=True)
        if darasa is None:
            sys.exit("indicators.py: no JSON object from darasa bench indicators")
        held = darasa["new_month"]["held_back_month"]
        files = register_files(country, held)
        districts = school_districts(country)
        demographics = country / "oneroster" / "demographics.csv"
        duck, duck_values = run_duckdb(work, files, districts, demographics)
        pand, pand_values = run_pandas(files, districts, demographics)
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)

    ours = darasa["compared"]["values"]
    ours = {k: v for k, v in ours.items() if k.split("|")[0] in ("attendance_rate", "chronic_absence_rate")}
    seconds = darasa["compared"]["seconds"]
    agreement = {}
    for name, values in (("duckdb", duck_values), ("pandas", pand_values)):
        worst, missing = largest_difference(ours, values)
        agreement[name] = {"largest_difference": worst, "cells_missing": len(missing), "examples": missing[:5]}
    ratios = {"darasa_vs_duckdb_query": round(seconds / duck["query_seconds"], 4) if duck["query_seconds"] else None,
              "pandas_query_vs_darasa": round(pand["query_seconds"] / seconds, 1) if seconds else None}
    result = {"benchmark": "indicators", "learners": darasa.get("learners"), "seed": darasa.get("seed"),
              "tables": sorted(ours), "register_files": len(files), "held_back_month": held,
              "darasa": {"engine": darasa.get("engine"), "query_seconds": seconds, "load_seconds": darasa.get("load_seconds"),
                         "catalogue_seconds": darasa["catalogue"]["seconds"], "catalogue_tables": darasa["catalogue"]["tables"],
                         "dashboard_warm_ms": darasa["dashboard"]["warm_ms"], "new_month": darasa["new_month"]},
              "duckdb": duck, "pandas": pand, "ratios": ratios, "agreement": agreement, "note": NOTE}
    bad = [n for n, a in agreement.items() if a["largest_difference"] > 1e-9 or a["cells_missing"]]
    if args.json:
        print(json.dumps(result))
    else:
        print(f"Indicators, {result['learners']} learners, seed {result['seed']}: {len(ours)} tables by district, "
              f"{duck['register_rows']:,} learner-month register rows (latest year, held-back month {held} left out)")
        fmt = "{:<8} {:>12} {:>14} {:>22}"
        print(fmt.format("tool", "load s", "query s", "agrees with darasa"))
        print(fmt.format("darasa", f"{darasa.get('load_seconds', 0):.1f}", f"{seconds:.4f}", ""))
        for n, t in (("duckdb", duck), ("pandas", pand)):
            a = agreement[n]
            print(fmt.format(n, f"{t['load_seconds']:.1f}", f"{t['query_seconds']:.4f}",
                             f"max diff {a['largest_difference']:.1e}, {a['cells_missing']} cells apart"))
        print(f"darasa ÷ duckdb query time: {ratios['darasa_vs_duckdb_query']} (target ≤ 1.0); "
              f"pandas ÷ darasa: {ratios['pandas_query_vs_darasa']}× (target ≥ 10)")
        print(f"darasa full catalogue: {darasa['catalogue']['tables']} tables in {darasa['catalogue']['seconds']:.2f} s; "
              f"district dashboard p95 {darasa['dashboard']['warm_ms']['p95']:.0f} ms")
        print("Note: " + NOTE)
    if bad:
        print("indicators.py: the tools' figures differ from Darasa's: " + json.dumps({n: agreement[n] for n in bad}), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
