#!/usr/bin/env python3
"""Scale the shared OSV advisories up to the size of the whole OSV database.

Used for the benchmarks of issue 21 (the whole OSV database served by one
Bulwark server).  Reads every real OSV record (.json/.yaml/.yml) under
--source and writes --records N records (default 500000) as OSV JSON, either
one file per record (--out DIR, in subdirectories of at most 1000 files) or
as one zip laid out like OSV.dev's all.zip (--zip FILE, flat ID.json
entries), or both at once.

Scaling: copies k = 0, 1, 2, ... of the real records are written round-robin
until N are written.  Copy 0 is the real record.  Copy k > 0 gets
  - ids, aliases, related and upstream renamed to `<id>-S<k>` (consistently,
    so alias lookups stay consistent within a copy),
  - package names renamed per ecosystem (`-s<k>`, Go `/s<k>`, `_s<k>` for
    Julia/Pub/Hex, `.s<k>` for CRAN/Bioconductor) and purls renamed to match
    (dropped when they cannot be renamed reliably),
  - every event version and versions[] entry shifted by k % 7 in its first
    numeric component (after the epoch `N:` if any); "0", "*" and GIT
    events are left alone,
  - `modified` bumped by k minutes.
Everything else (details, references, ...) is kept, so sizes stay realistic.
Output is deterministic: same arguments, same bytes.

    python3 scripts/osv_scale.py --records 500000 --out /work/osv500k
    python3 scripts/osv_scale.py --records 500000 --zip /work/osv500k.zip
"""
import argparse
import json
import os
import random
import re
import sys
import time
import zipfile
from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote

import yaml

DEFAULT_SOURCE = "/work/shared/data/advisories/osv"
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
OSV_KEYS = ("modified", "published", "affected", "schema_version")
VERSION = re.compile(r"(\d+:)?(v?)(\d+)(.*)", re.S)
HASH = re.compile(r"[0-9a-f]{7,64}")
TIMESTAMP = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$", re.I)
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def seconds(dt):
    """YYYY-MM-DDTHH:MM:SS (zero-padded even for year 1, unlike strftime)."""
    return dt.replace(microsecond=0, tzinfo=None).isoformat()


def rfc3339(value):
    """YAML loads unquoted timestamps as datetime; turn them back into strings."""
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        frac = f".{value.microsecond:06d}" if value.microsecond else ""
        return seconds(value) + frac + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: rfc3339(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rfc3339(v) for v in value]
    return value


def load(source, stats):
    """All OSV records under source, unique by id (first in path order wins)."""
    paths = []
    for root, dirs, files in os.walk(source):
        dirs.sort()
        paths += [os.path.join(root, f) for f in sorted(files)
                  if f.endswith((".json", ".yaml", ".yml"))]
    records, seen = [], set()
    for path in paths:
        fmt = "json" if path.endswith(".json") else "yaml"
        try:
            with open(path, "rb") as fh:
                data = fh.read()
            rec = json.loads(data) if fmt == "json" else rfc3339(yaml.load(data, Loader=YAML_LOADER))
        except Exception:
            stats["failed to parse"] += 1
            continue
        if not (isinstance(rec, dict) and isinstance(rec.get("id"), str)
                and any(k in rec for k in OSV_KEYS)):
            stats["not OSV records"] += 1
            continue
        if rec["id"] in seen:
            stats["duplicate ids"] += 1
            continue
        seen.add(rec["id"])
        stats[f"read {fmt}"] += 1
        records.append(rec)
    return records


def shift_version(v, off):
    if not isinstance(v, str) or v in ("0", "*") or HASH.fullmatch(v):
        return v
    m = VERSION.match(v)
    if not m:
        return v
    epoch, prefix, num, rest = m.groups()
    return f"{epoch or ''}{prefix}{str(int(num) + off).zfill(len(num))}{rest}"


def rename_package(eco, name, k):
    base = (eco or "").split(":")[0]
    if base == "Go":
        return f"{name}/s{k}"
    if base in ("Julia", "Pub", "Hex"):
        return f"{name}_s{k}"
    if base in ("CRAN", "Bioconductor"):
        return f"{name}.s{k}"
    return f"{name}-s{k}"  # PyPI, npm, crates.io, RubyGems, Maven, NuGet, Debian, Alpine, ...


def rename_purl(purl, old, new, eco):
    """Rename the name part of a purl; None (drop it) if that is not reliable."""
    cut = min([i for i in (purl.find("@"), purl.find("?"), purl.find("#")) if i >= 0] or [len(purl)])
    path, tail = purl[:cut].lower(), purl[cut:]
    last = re.split(r"[/:]", old)[-1].lower()
    if not ((eco or "").startswith("Go") or path.endswith(("/" + last, "/" + quote(last).lower()))):
        return None
    if "uuid=" in tail:  # the uuid names the real package (Julia)
        tail = tail[:tail.find("?")]
    return purl[:cut] + quote(new[len(old):]) + tail  # every rename appends a suffix


def bump_modified(ts, k):
    m = TIMESTAMP.match(ts) if isinstance(ts, str) else None
    if not m:
        return ts
    try:
        dt = datetime.fromisoformat(m[1] + (m[3] or "Z").upper().replace("Z", "+00:00"))
        dt = (dt + timedelta(minutes=k)).astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return ts
    return seconds(dt) + (m[2] or "") + "Z"


def scale_affected(aff, k, off):
    aff = dict(aff)
    pkg = aff.get("package")
    if isinstance(pkg, dict) and isinstance(pkg.get("name"), str):
        pkg = dict(pkg)
        old, eco = pkg["name"], pkg.get("ecosystem")
        pkg["name"] = new = rename_package(eco, old, k)
        if isinstance(pkg.get("purl"), str):
            purl = rename_purl(pkg["purl"], old, new, eco)
            if purl is None:
                del pkg["purl"]
            else:
                pkg["purl"] = purl
        aff["package"] = pkg
        imports = (aff.get("ecosystem_specific") or {}).get("imports")
        if (eco or "").startswith("Go") and isinstance(imports, list):
            fixed = [dict(i, path=new + i["path"][len(old):])
                     if isinstance(i, dict) and (i.get("path") == old or str(i.get("path")).startswith(old + "/"))
                     else i for i in imports]
            aff["ecosystem_specific"] = dict(aff["ecosystem_specific"], imports=fixed)
    if off and isinstance(aff.get("ranges"), list):
        aff["ranges"] = [r if not isinstance(r, dict) or r.get("type") == "GIT" else dict(
            r, events=[{key: shift_version(v, off) for key, v in ev.items()} if isinstance(ev, dict) else ev
                       for ev in r.get("events") or []])
            for r in aff["ranges"]]
    if off and isinstance(aff.get("versions"), list):
        aff["versions"] = [shift_version(v, off) for v in aff["versions"]]
    return aff


def scale(rec, k):
    """Copy k of a real record (copy 0 is the record itself)."""
    if k == 0:
        return rec
    suffix, off = f"-S{k}", k % 7
    out = dict(rec)
    out["id"] = rec["id"] + suffix
    for key in ("aliases", "related", "upstream"):
        if isinstance(rec.get(key), list):
            out[key] = [a + suffix if isinstance(a, str) else a for a in rec[key]]
    if "modified" in rec:
        out["modified"] = bump_modified(rec["modified"], k)
    if isinstance(rec.get("affected"), list):
        out["affected"] = [scale_affected(a, k, off) if isinstance(a, dict) else a for a in rec["affected"]]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", default=DEFAULT_SOURCE, help="directory of real OSV records")
    ap.add_argument("--records", type=int, default=500000, help="number of records to write")
    ap.add_argument("--seed", type=int, default=0, help="seed for the order of the real records")
    ap.add_argument("--out", help="directory to write one JSON file per record into")
    ap.add_argument("--zip", help="zip file to write (flat ID.json entries, like OSV.dev all.zip)")
    args = ap.parse_args()
    if not (args.out or args.zip):
        ap.error("give --out DIR and/or --zip FILE")
    if args.out and os.path.isdir(args.out) and os.listdir(args.out):
        ap.error(f"{args.out} is not empty")

    start = time.monotonic()
    stats = {"read json": 0, "read yaml": 0, "not OSV records": 0, "failed to parse": 0, "duplicate ids": 0}
    records = load(args.source, stats)
    if not records:
        sys.exit(f"no OSV records under {args.source}")
    random.Random(args.seed).shuffle(records)
    loaded = time.monotonic()

    if args.zip:
        os.makedirs(os.path.dirname(os.path.abspath(args.zip)), exist_ok=True)
    zf = zipfile.ZipFile(args.zip, "w", zipfile.ZIP_DEFLATED, compresslevel=6) if args.zip else None
    ids, total_bytes, subdir = set(), 0, None
    for i in range(args.records):
        k, rec = divmod(i, len(records))
        rec = scale(records[rec], k)
        if rec["id"] in ids:
            sys.exit(f"duplicate id {rec['id']} (copy {k})")
        ids.add(rec["id"])
        data = json.dumps(rec, indent=2, ensure_ascii=False).encode() + b"\n"
        total_bytes += len(data)
        name = SAFE_NAME.sub("_", rec["id"]) + ".json"
        if zf:
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            zf.writestr(info, data)
        if args.out:
            if i % 1000 == 0:
                subdir = os.path.join(args.out, f"{i // 1000:04d}")
                os.makedirs(subdir, exist_ok=True)
            with open(os.path.join(subdir, name), "wb") as fh:
                fh.write(data)
    if zf:
        zf.close()

    done = time.monotonic()
    for key, value in stats.items():
        print(f"{key}: {value}", file=sys.stderr)
    print(f"real records used: {len(records)}; copies: {-(-args.records // len(records))}", file=sys.stderr)
    print(f"records written: {args.records}; JSON bytes: {total_bytes}"
          + (f"; zip bytes: {os.path.getsize(args.zip)}" if args.zip else ""), file=sys.stderr)
    print(f"time: {done - start:.1f}s (loading {loaded - start:.1f}s, writing {done - loaded:.1f}s)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
