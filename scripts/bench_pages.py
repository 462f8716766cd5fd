#!/usr/bin/env python3
"""Times the web pages people live in, on a release build (issue 19).

    scripts/bench_pages.py demo  [--bin target/release/bulwark] [--runs 7]
    scripts/bench_pages.py large --database postgres://…/bench?options=-csearch_path%3Dtriage_bench
                                 [--bin …] [--runs 7] [--sbom FILE]

`demo` starts `bulwark demo` on a fresh SQLite database, signs in as every
role it prints, and walks the pages: each role's navigation, then one page of
every kind those pages link to (a case, a submission, an SBOM, an advisory,
a model …; links are grouped by their shape, ids replaced). `large` serves a
PostgreSQL schema that already holds the 1,000,000 pending cases of the
store's triage bench (`scripts/bench-pages.sh` seeds it and imports the
shared KEV, EPSS, CVE and OSV records), uploads an SBOM of 3,274 components
and times the clearinghouse queue, the priorities page and that SBOM's page.

Each page is fetched once to warm it, then `--runs` times; the figure is the
median wall time of the request on loopback (an upper bound of the server's
time), with the slowest run beside it. A page that does not answer 200 is
an error (exit 2). Nothing here is a pass/fail on time: it prints figures.
"""
import argparse
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SKIP = ("/logout", "/static/", "/api/", "/.well-known/", "/osv/", "/problems/")
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class Visitor:
    """A browser's session: cookies and the sign-in form's CSRF token."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def get(self, path):
        req = urllib.request.Request(self.base + path, headers={"Accept": BROWSER_ACCEPT})
        start = time.perf_counter()
        try:
            with self.opener.open(req) as resp:
                body = resp.read().decode("utf-8", "replace")
                status = resp.status
        except urllib.error.HTTPError as e:
            body = e.read().decode("utf-8", "replace")
            status = e.code
        return status, body, time.perf_counter() - start

    def sign_in(self, username, password):
        status, body, _ = self.get("/login")
        if status != 200:
            sys.exit(f"GET /login answered {status}")
        m = re.search(r'name="csrf" value="([^"]+)"', body)
        if not m:
            sys.exit("no CSRF token on the sign-in form")
        form = urllib.parse.urlencode(
            {"csrf": m.group(1), "username": username, "password": password}
        ).encode()
        req = urllib.request.Request(self.base + "/login", data=form)
        try:
            self.opener.open(req)
        except urllib.error.HTTPError as e:
            if e.code != 303:
                sys.exit(f"sign-in as {username} answered {e.code}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def nav_links(body):
    m = re.search(r'<nav aria-label="Main">(.*?)</nav>', body, re.S)
    return re.findall(r'href="(/[^"]*)"', m.group(1)) if m else []


def links(body):
    main = re.search(r"<main[^>]*>(.*)</main>", body, re.S)
    return [
        urllib.parse.unquote(h).replace("&amp;", "&")
        for h in re.findall(r'href="(/[^"#]*)"', main.group(1) if main else "")
    ]


def shape(path):
    """A link's kind: its path with ids replaced, its query's keys."""
    p, _, q = path.partition("?")
    p = UUID.sub("{id}", p)
    p = re.sub(r"/(CVE|GHSA|GO|PYSEC|RUSTSEC|BWK|OSV)-[^/]+", "/{advisory}", p)
    p = re.sub(r"/[0-9a-f]{64}", "/{sha256}", p)
    keys = sorted(k for k, _ in urllib.parse.parse_qsl(q))
    return p + ("?" + "&".join(keys) if keys else "")


def time_page(v, path, runs):
    """A page answers 200, or sends the visitor on (3xx, not followed)."""
    ok = lambda status: status == 200 or 300 <= status < 400
    status, body, _ = v.get(path)
    if not ok(status):
        return status, body, None
    times = []
    for _ in range(runs):
        status, body, t = v.get(path)
        if not ok(status):
            return status, body, None
        times.append(t * 1000)
    return 200, body, (statistics.median(times), max(times))


def report(rows):
    width = max((len(r[0]) for r in rows), default=10)
    for path, (median, slowest) in rows:
        print(f"  {path:<{width}}  median {median:7.1f} ms   slowest {slowest:7.1f} ms")


def walk(v, role, runs, seen_shapes):
    """Times the role's navigation and one page of every shape it links to."""
    _, home, _ = v.get("/")
    pages = ["/"] + [p for p in nav_links(home) if not p.startswith(SKIP)]
    rows, errors = [], []
    queue = list(dict.fromkeys(pages))
    shapes = {shape(p) for p in queue}
    found_on = {p: "the navigation" for p in queue}
    while queue:
        path = queue.pop(0)
        status, body, t = time_page(v, path, runs)
        if t is None:
            errors.append(f"{role}: GET {path} (linked from {found_on[path]}) answered {status}")
            continue
        rows.append((path, t))
        for link in links(body):
            s = shape(link)
            if link.startswith(SKIP) or s in shapes or "/documents/" in link or link.endswith(
                (".json", ".asc", ".patch", ".diff", ".zip", ".csv", ".txt", ".sha256", ".sha512")
            ):
                continue
            shapes.add(s)
            found_on[link] = path
            queue.append(link)
    seen_shapes.update(shapes)
    return rows, errors


def start_demo(binary):
    work = tempfile.mkdtemp(prefix="bulwark-bench-pages-")
    proc = subprocess.Popen(
        [binary, "demo", "--format", "json", "--listen", "127.0.0.1:0",
         "--database", os.path.join(work, "demo.db")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "RUST_LOG": "warn"},
    )
    first = proc.stdout.readline()
    if not first:
        proc.kill()
        sys.exit("bulwark demo printed nothing")
    return proc, json.loads(first)


def demo(args):
    started = time.perf_counter()
    proc, info = start_demo(args.bin)
    print(f"demo seeded and serving in {time.perf_counter() - started:.1f} s at {info['url']}")
    all_rows, errors, shapes = [], [], set()
    try:
        for login in info["logins"]:
            v = Visitor(info["url"].rstrip("/"))
            v.sign_in(login["username"], login["password"])
            rows, errs = walk(v, f"{login['role']} {login['username']}", args.runs, shapes)
            print(f"{login['role']} ({login['organization']}, {login['username']}): {len(rows)} pages")
            report(rows)
            all_rows += rows
            errors += errs
    finally:
        proc.kill()
    all_rows.sort(key=lambda r: -r[1][0])
    worst = all_rows[0]
    print("slowest five:")
    report(all_rows[:5])
    print(f"\n{len(all_rows)} page loads of {len(shapes)} kinds; slowest median {worst[1][0]:.1f} ms ({worst[0]})")
    for e in errors:
        print("error:", e, file=sys.stderr)
    return 2 if errors else 0


def serving(args):
    """Bootstraps the database's admin and serves it: (process, base URL,
    bearer token, password)."""
    env = {**os.environ, "RUST_LOG": "warn"}
    run = lambda *a, **k: subprocess.run([args.bin, *a], env=env, check=True, text=True, **k)
    boot = subprocess.run([args.bin, "admin", "bootstrap", "--database", args.database],
                          env=env, text=True, capture_output=True)
    if boot.returncode == 0:
        token = boot.stdout.strip().splitlines()[-1]
        with open(args.state, "w") as f:
            f.write(token)
    else:
        with open(args.state) as f:
            token = f.read().strip()
    password = "bench-pages-" + os.urandom(8).hex()
    run("admin", "set-password", "--username", "admin", "--database", args.database, input=password + "\n",
        capture_output=True)
    port = args.port
    # Plain HTTP on loopback: urllib, unlike a browser, does not treat
    # localhost as secure, so the cookies go without `Secure`.
    proc = subprocess.Popen([args.bin, "serve", "--database", args.database, "--listen",
                             f"127.0.0.1:{port}", "--insecure-cookies"], env=env,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/healthz")
            break
        except OSError:
            time.sleep(0.1)
    return proc, base, token, password


def time_paths(v, paths, runs):
    rows, errors = [], []
    for path in paths:
        status, _, t = time_page(v, path, runs)
        if t is None:
            errors.append(f"GET {path} answered {status}")
        else:
            rows.append((path, t))
    report(rows)
    for e in errors:
        print("error:", e, file=sys.stderr)
    return 2 if errors else 0


def large(args):
    proc, base, token, password = serving(args)
    try:
        with open(args.sbom, "rb") as f:
            req = urllib.request.Request(
                base + "/api/v1/sboms?name=" + urllib.parse.quote(os.path.basename(args.sbom)),
                data=f.read(), headers={"Authorization": "Bearer " + token,
                                        "Content-Type": "application/octet-stream"})
        with urllib.request.urlopen(req) as resp:
            sbom = json.load(resp)["sbom"]
        print(f"SBOM {sbom['id']}: {sbom['components']} components")
        v = Visitor(base)
        v.sign_in("admin", password)
        return time_paths(v, ["/clearinghouse", "/clearinghouse/priorities",
                              f"/sboms/{sbom['id']}", "/sboms"], args.runs)
    finally:
        proc.kill()


def tools(args):
    """The catalogue over the store's tool_evidence bench (1,000 entries,
    10,000,000 reports): its first page in each order, a later page, and
    one tool's page."""
    proc, base, _, password = serving(args)
    try:
        v = Visitor(base)
        v.sign_in("admin", password)
        _, body, _ = v.get("/tools")
        first = re.search(r'href="(/tools/[0-9a-f-]{36})"', body)
        paths = ["/tools", "/tools?sort=validation", "/tools?sort=validated", "/tools?page=5"]
        if first:
            paths.append(first.group(1))
        return time_paths(v, paths, args.runs)
    finally:
        proc.kill()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=["demo", "large", "tools"])
    ap.add_argument("--bin", default="target/release/bulwark")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--database")
    ap.add_argument("--port", type=int, default=18482)
    ap.add_argument("--state", default="/tmp/bulwark-bench-pages.token",
                    help="where `large` keeps the bootstrap token between runs")
    ap.add_argument("--sbom", default="../shared/data/sbom/trustify-test-data/etc/test-data/spdx/OCP-TOOLS-4.11-RHEL-8.json")
    args = ap.parse_args()
    if args.mode != "demo" and not args.database:
        ap.error(f"{args.mode} needs --database")
    sys.exit({"demo": demo, "large": large, "tools": tools}[args.mode](args))


if __name__ == "__main__":
    main()
