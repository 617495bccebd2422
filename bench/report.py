#!/usr/bin/env python3
"""Turns the raw results of bench/run into one table (stdout), a JSON document and a Markdown copy of the table.

Every figure comes from fio's JSON output. A job counts only if fio reports error 0 for it and it moved data;
otherwise its cell says ERR and the JSON says why.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import subprocess

ROWS = [
    ("raw", "raw file, direct I/O", "baseline"),
    ("nbdkit", "nbdkit file", "peer"),
    ("nbd-server", "nbd-server", "peer"),
    ("gluster", "GlusterFS replica 3, FUSE", "peer"),
    ("bindfs", "bindfs (FUSE baseline)", "fuse-baseline"),
    ("galleon-nbd", "GalleonFS 1 node, NBD", "galleon"),
    ("galleon-nbd-enc", "GalleonFS 1 node, NBD, encrypted", "galleon"),
    ("galleon-fuse", "GalleonFS 1 node, FUSE data", "galleon"),
    ("galleon-3n-nbd", "GalleonFS 3 nodes, 3 replicas, NBD", "galleon"),
    ("galleon-3n-direct", "GalleonFS 3 nodes, 1 copy, NBD at its primary", "galleon"),
    ("galleon-3n-fwd", "GalleonFS 3 nodes, 1 copy, NBD forwarded", "galleon"),
]
# Rows compared with another GalleonFS row of the same run (issue 19's bars): key, baseline row, label.
RELATIVE = {
    "galleon-3n-nbd": ("to_single_node", "galleon-nbd", "  ÷ 1 node"),
    "galleon-3n-fwd": ("to_direct", "galleon-3n-direct", "  ÷ at the primary"),
}
JOBS = [
    ("randread-4k-qd32", "4K randread QD32", "IOPS"),
    ("randread-4k-qd1", "4K randread QD1", "IOPS"),
    ("randwrite-4k-qd32", "4K randwrite QD32", "IOPS"),
    ("randwrite-4k-qd1", "4K randwrite QD1", "IOPS"),
    # after the two random-write jobs scattered the volume's blocks (a log-structured store's worst case for reads)
    ("randread-4k-qd32-after-randwrite", "4K randread QD32 after random writes", "IOPS"),
    ("read-1m-qd8", "1M read QD8", "MB/s"),
    ("write-1m-qd8", "1M write QD8", "MB/s"),
    ("randwrite-16k-qd32", "16K randwrite QD32", "IOPS"),
]


def read(path, default=None):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return default


def load_fio(path):
    """fio's JSON document; fio may print warnings before it, so parse from the first brace."""
    text = read(path)
    if not text:
        return None, "fio wrote no output"
    start = text.find("{")
    if start < 0:
        return None, "fio output is not JSON: " + text.splitlines()[0][:200]
    try:
        return json.loads(text[start:]), None
    except ValueError as e:
        return None, "fio output is not valid JSON: %s" % e


def job_figures(job, unit):
    """The figures of one fio job, or an error string."""
    if job.get("error", 0) != 0:
        return None, "fio error %d on job %s" % (job["error"], job.get("jobname"))
    side = job["read"] if job["read"].get("io_bytes", 0) > 0 else job["write"]
    if side.get("io_bytes", 0) <= 0 or side.get("iops", 0) <= 0:
        return None, "job %s moved no data" % job.get("jobname")
    pct = side.get("clat_ns", {}).get("percentile", {})
    fig = {
        "iops": round(side["iops"], 1),
        "mb_per_s": round(side["bw_bytes"] / 1e6, 1),
        "io_bytes": side["io_bytes"],
        "runtime_ms": side.get("runtime"),
        "lat_mean_us": round(side.get("lat_ns", {}).get("mean", 0) / 1000, 1),
        "clat_p50_us": round(pct.get("50.000000", 0) / 1000, 1),
        "clat_p99_us": round(pct.get("99.000000", 0) / 1000, 1),
    }
    fig["value"] = fig["iops"] if unit == "IOPS" else fig["mb_per_s"]
    return fig, None


def collect_row(res, rid, selected):
    row = {"id": rid, "label": read(os.path.join(res, rid + ".label")), "mode": read(os.path.join(res, rid + ".mode"))}
    na = read(os.path.join(res, rid + ".na"))
    if na is not None:
        row["status"] = "n/a"
        row["reason"] = na
        return row
    doc, err = load_fio(os.path.join(res, rid + ".json"))
    stderr = read(os.path.join(res, rid + ".err"), "")
    if stderr:
        row["fio_stderr"] = stderr[-2000:]
    if doc is None:
        row["status"] = "error"
        row["reason"] = err + (": " + stderr.splitlines()[-1] if stderr else "")
        return row
    jobs = {j["jobname"]: j for j in doc.get("jobs", [])}
    row["fio_version"] = doc.get("fio version")
    row["jobs"] = {}
    errors = []
    for jid, _, unit in JOBS:
        if jid not in selected:
            continue
        if jid not in jobs:
            row["jobs"][jid] = {"error": "job missing from fio's output"}
            errors.append(jid + ": missing")
            continue
        fig, e = job_figures(jobs[jid], unit)
        row["jobs"][jid] = fig if fig else {"error": e}
        if e:
            errors.append(e)
    row["status"] = "ok" if not errors else "errors"
    if errors:
        row["errors"] = errors
    cpu = cpu_figures(read(os.path.join(res, rid + ".cpu")), row["jobs"])
    if cpu:
        row["cpu"] = cpu
    for extra in ("state", "state-after"):
        v = read(os.path.join(res, rid + "." + extra))
        if v:
            row[extra.replace("-", "_")] = v
    return row


def cpu_figures(text, jobs):
    """Busy CPUs over the measured fio call (two /proc/stat 'cpu' lines) and, for a single-job run, CPU µs per I/O."""
    lines = (text or "").splitlines()
    if len(lines) != 2:
        return None
    a, b = ([int(x) for x in l.split()[1:]] for l in lines)
    d = [y - x for x, y in zip(a, b)]
    total = sum(d[:8])  # user nice system idle iowait irq softirq steal
    if total <= 0:
        return None
    idle = d[3] + d[4]
    busy_cpus = (total - idle) / total * (os.cpu_count() or 1)
    out = {"busy_cpus": round(busy_cpus, 2)}
    done = [j for j in jobs.values() if j.get("iops")]
    if len(jobs) == 1 and len(done) == 1:
        # Ramp and start-up are in the window too: CPU per I/O assumes the load was steady over all of it.
        out["cpu_us_per_io"] = round(busy_cpus * 1e6 / done[0]["iops"], 1)
    return out


def cpu_lines(rows):
    """The CPU figures of the rows that have them, as lines after the table (none when no row has them)."""
    cpu = [r for r in rows if r.get("cpu")]
    if not cpu:
        return []
    lines = ["", "CPU over the measured fio call, whole machine (fio + daemons + kernel); per I/O only for single-job runs:"]
    for r in cpu:
        c = r["cpu"]
        lines.append("- %s: %.2f CPUs busy%s" % (r["label"], c["busy_cpus"],
                     "" if "cpu_us_per_io" not in c else ", %.1f CPU µs per I/O" % c["cpu_us_per_io"]))
    return lines


def value(row, jid):
    if row is None or row.get("status") not in ("ok", "errors"):
        return None
    return row["jobs"].get(jid, {}).get("value")


def p99(row, jid):
    if row is None or row.get("status") not in ("ok", "errors"):
        return None
    return row["jobs"].get(jid, {}).get("clat_p99_us")


def fmt(v, unit):
    if v is None:
        return "ERR"
    return "{:,.0f}".format(v) if unit == "IOPS" or v >= 100 else "{:,.1f}".format(v)


def machine():
    info = {"cpus": os.cpu_count(), "kernel": platform.release()}
    cpu = read("/proc/cpuinfo", "")
    m = re.search(r"model name\s*:\s*(.*)", cpu)
    info["cpu"] = m.group(1) if m else platform.processor()
    mem = re.search(r"MemTotal:\s*(\d+)", read("/proc/meminfo", ""))
    if mem:
        info["memory_gib"] = round(int(mem.group(1)) / 1024 / 1024, 1)
    return info


def filesystem(path):
    try:
        out = subprocess.run(["df", "-T", path], capture_output=True, text=True, timeout=10).stdout.splitlines()[-1].split()
        return {"device": out[0], "type": out[1]}
    except Exception:  # noqa: BLE001 - informational only
        return {}


def jmh(res):
    out = {}
    for log in sorted(glob.glob(os.path.join(res, "jmh-*.log"))):
        bench = os.path.basename(log)[4:-4]
        path = log[:-4] + ".json"
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            tail = (read(log, "") or "").splitlines()[-3:]
            out[bench] = {"error": "no JMH result (%s): %s" % (e, " | ".join(tail))}
            continue
        scores = {}
        for r in doc:
            name = r["benchmark"].rsplit(".", 1)[-1]
            if r.get("params"):
                name += "[" + ",".join("%s=%s" % kv for kv in sorted(r["params"].items())) + "]"
            m = r["primaryMetric"]
            try:
                err = round(float(m.get("scoreError")), 1)  # JMH writes "NaN" with a single iteration
                err = None if err != err else err
            except (TypeError, ValueError):
                err = None
            scores[name] = {"score": round(float(m["score"]), 1), "error": err, "unit": m["scoreUnit"]}
        out[bench] = scores
    na = read(os.path.join(res, "jmh.na"))
    if na:
        out["n/a"] = na
    return out


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def main():
    ap = argparse.ArgumentParser()
    for a in ("results", "out", "mode", "runtime", "ramp", "size", "ioengine", "scratch", "fio-seconds", "total-seconds", "jobs"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--warmup", default="none")
    ap.add_argument("--engine-format", default="default")
    args = ap.parse_args()
    res = args.results

    selected = [j for j, _, _ in JOBS] if args.jobs == "all" else args.jobs.split(",")
    rows = [collect_row(res, rid, selected) for rid, _, _ in ROWS if os.path.exists(os.path.join(res, rid + ".label"))]
    by_id = {r["id"]: r for r in rows}
    peers = [r for r in rows if dict((i, k) for i, _, k in ROWS)[r["id"]] == "peer"]
    for r in rows:
        if not r["id"].startswith("galleon") or r.get("status") not in ("ok", "errors"):
            continue
        r["ratios"] = {}
        for jid, _, _ in JOBS:
            v = value(r, jid)
            best = max(((value(p, jid), p["id"]) for p in peers if value(p, jid) is not None), default=(None, None))
            entry = {"to_raw": ratio(v, value(by_id.get("raw"), jid)), "to_best_peer": ratio(v, best[0]), "best_peer": best[1]}
            if r["id"] == "galleon-fuse":
                entry["to_bindfs"] = ratio(v, value(by_id.get("bindfs"), jid))
            if r["id"] in RELATIVE:
                key, base, _ = RELATIVE[r["id"]]
                entry[key] = ratio(v, value(by_id.get(base), jid))
                # Latency: p99 of the completion latency over the baseline's (lower is better).
                entry[key + "_p99"] = ratio(p99(r, jid), p99(by_id.get(base), jid))
            r["ratios"][jid] = entry

    now = datetime.datetime.now(datetime.timezone.utc)
    fio_version = next((r.get("fio_version") for r in rows if r.get("fio_version")), None)
    doc = {
        "date": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mode": args.mode,
        "commit": read(os.path.join(res, "commit")),
        "machine": machine(),
        "scratch": {"path": args.scratch, **filesystem(args.scratch)},
        "fio": {"version": fio_version, "runtime": args.runtime, "ramp": args.ramp, "warmup": args.warmup, "size": args.size,
                "engine_format": args.engine_format,
                "file_ioengine": args.ioengine, "jobs": selected},
        "seconds": {"fio_part": int(args.fio_seconds), "total": int(args.total_seconds)},
        "rows": rows,
        # Load average (1, 5, 15 min) when the fio rows started and ended: other work on a shared machine shows here.
        "loadavg": {"start": read(os.path.join(res, "loadavg-start")), "end": read(os.path.join(res, "loadavg-end"))},
    }
    if args.mode == "full":
        doc["jmh"] = jmh(res)
        crash = read(os.path.join(res, "crash.status"))
        log = read(os.path.join(res, "crash.log"), "")
        found = re.findall(r"crash test \(\w+ engine\): .*", log)
        doc["crash_loop"] = {"status": crash, "summary": "; ".join(found) if found else None,
                             "tests": (re.findall(r"Tests run: .*", log) or [None])[-1]}
        if crash != "ok":
            doc["crash_loop"]["log_tail"] = log.splitlines()[-30:]

    lines = table(doc, rows)
    print("\n".join(lines))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=2)
    with open(os.path.splitext(args.out)[0] + ".md", "w") as f:
        f.write("\n".join(markdown(doc, rows)) + "\n")


def header(doc):
    m = doc["machine"]
    return ("GalleonFS bench/run --%s, %s, commit %s; %s CPUs (%s), %s GiB RAM, kernel %s; scratch %s (%s); "
            "fio %s, %s per target, each job %s after a %s ramp"
            % (doc["mode"], doc["date"], doc["commit"] or "?", m["cpus"], m["cpu"], m.get("memory_gib"), m["kernel"],
               doc["scratch"]["path"], doc["scratch"].get("type", "?"), doc["fio"]["version"], doc["fio"]["size"],
               doc["fio"]["runtime"], doc["fio"]["ramp"])
            + ("" if doc["fio"].get("warmup", "none") == "none" else ", after a discarded %s warm-up of 4K random writes" % doc["fio"]["warmup"])
            + ("" if doc["fio"].get("engine_format", "default") == "default" else "; GalleonFS engine format %s" % doc["fio"]["engine_format"])
            + "; load average %s at the start, %s at the end" % (
                " ".join((doc.get("loadavg", {}).get("start") or "?").split()[:3]),
                " ".join((doc.get("loadavg", {}).get("end") or "?").split()[:3])))


def cells(r):
    """Figure cells of a row, ratio rows under GalleonFS rows, and notes."""
    out = []
    if r.get("status") in ("n/a", "error"):
        out.append((r["label"], ["%s: %s" % (r["status"], r["reason"])], True))
        return out
    out.append((r["label"], ["-" if j not in r["jobs"] else fmt(value(r, j), u) for j, _, u in JOBS], False))
    keys = [("to_raw", "  ÷ raw"), ("to_best_peer", "  ÷ best peer"), ("to_bindfs", "  ÷ bindfs")]
    if r["id"] in RELATIVE:
        key, _, name = RELATIVE[r["id"]]
        keys += [(key, name), (key + "_p99", name + ", p99 latency")]
    for key, name in keys:
        if "ratios" in r and any(e.get(key) is not None for e in r["ratios"].values()):
            out.append((name, ["%.2f" % e[key] if e.get(key) is not None else "-" for e in (r["ratios"][j] for j, _, _ in JOBS)],
                        False))
    return out


def notes(rows):
    n = []
    for r in rows:
        if r.get("mode"):
            n.append("%s: %s" % (r["label"], r["mode"]))
        if r.get("state"):
            n.append("%s: volume state before the run: %s; after: %s" % (r["label"], r["state"], r.get("state_after", "?")))
        for e in r.get("errors", []):
            n.append("%s: ERR %s" % (r["label"], e))
    return n


def table(doc, rows):
    heads = ["%s (%s)" % (name, unit) for _, name, unit in JOBS]
    lines = [header(doc), ""]
    body = [c for r in rows for c in cells(r)]
    w0 = max([len(b[0]) for b in body] + [10])
    widths = [max(len(h), 9) for h in heads]
    lines.append("  ".join([" " * w0] + [h.rjust(w) for h, w in zip(heads, widths)]))
    for label, vals, whole in body:
        if whole:
            lines.append(label.ljust(w0) + "  " + vals[0])
        else:
            lines.append("  ".join([label.ljust(w0)] + [v.rjust(w) for v, w in zip(vals, widths)]))
    lines.append("")
    lines.extend("- " + x for x in notes(rows))
    lines.extend(cpu_lines(rows))
    if "jmh" in doc:
        lines.append("")
        lines.extend(jmh_lines(doc))
    return lines


def jmh_lines(doc):
    j = doc["jmh"]
    out = ["Engine JMH (ops/s; MiB/s for SequentialBench):"]
    for bench, scores in j.items():
        if not isinstance(scores, dict) or isinstance(scores.get("error"), str):
            out.append("  %s: %s" % (bench, scores.get("error") if isinstance(scores, dict) else scores))
            continue
        out.append("  %s: %s" % (bench, ", ".join("%s %s%s" % (k, v.get("score"), "" if v.get("error") is None else " ± %s" % v["error"])
                                                  for k, v in scores.items() if isinstance(v, dict))))
    rw = j.get("RandomWriteBench", {})
    dw = j.get("DurableWriteBench", {})
    ls = j.get("LogStoreBench", {})
    raw, fsync = rw.get("rawPwrite", {}).get("score"), dw.get("fsyncPerWrite", {}).get("score")
    # SPEC P1 / P2 are the default engine's (the log store); P2: >= 3 x fsync-per-write with the same 32 writers.
    out.append("  P1 lsmAcknowledged / rawPwrite = %s (bar >= 0.70); P2 lsmDurable / fsyncPerWrite = %s (bar >= 3)"
               % (ratio(ls.get("lsmAcknowledged", {}).get("score"), raw), ratio(ls.get("lsmDurable", {}).get("score"), fsync)))
    out.append("  layers format: engineAcknowledged / rawPwrite = %s; engineDurable / fsyncPerWrite = %s"
               % (ratio(rw.get("engineAcknowledged", {}).get("score"), raw), ratio(dw.get("engineDurable", {}).get("score"), fsync)))
    c = doc.get("crash_loop", {})
    out.append("Crash loop (R1, kill -9 under durable load): %s; %s; %s" % (c.get("status"), c.get("summary"), c.get("tests")))
    return out


def markdown(doc, rows):
    heads = ["%s (%s)" % (name, unit) for _, name, unit in JOBS]
    lines = [header(doc), "", "| row | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads)]
    for r in rows:
        for label, vals, whole in cells(r):
            if whole:
                lines.append("| %s | %s |" % (label, vals[0]) + " |" * (len(heads) - 1))
            else:
                lines.append("| %s | %s |" % (label.strip() if not label.startswith("  ") else "&nbsp;&nbsp;" + label.strip(),
                                               " | ".join(vals)))
    lines.append("")
    lines.extend("- " + x for x in notes(rows))
    lines.extend(cpu_lines(rows))
    if "jmh" in doc:
        lines.append("")
        lines.extend(jmh_lines(doc))
    return lines


if __name__ == "__main__":
    main()
