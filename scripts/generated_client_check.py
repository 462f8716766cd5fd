"""Calls a running Bulwark server through the client openapi-python-client
generated from docs/openapi.json (run by scripts/generated-client.sh).

Every answer is parsed by the generated models, so a response that does not
match its documented schema fails here as it would fail a real client; the
client raises on any status the document does not declare.

Environment: BULWARK_URL (the server), BULWARK_TOKEN (an operator's token).
"""

import io
import json
import os
import sys
import uuid

from bulwark_api_client import AuthenticatedClient
from bulwark_api_client.api.advisories import sboms_get_one, sboms_upload, search
from bulwark_api_client.api.audit import verify
from bulwark_api_client.api.clearinghouse import cases_get_one, document, submit
from bulwark_api_client.api.frontier import list_benchmarks, load_benchmark, precheck
from bulwark_api_client.api.identity import (
    create_organization,
    get_organization,
    list_organizations,
    me,
)
from bulwark_api_client.models import (
    AuditVerifyOut,
    CaseOut,
    IntakeOut,
    LoadOut,
    MeOut,
    NewOrganizationIn,
    OrganizationOut,
    PrecheckIn,
    PrecheckInProfile,
    PrecheckOut,
    Problem,
    SarifLog,
    SbomOut,
    SearchOut,
)
from bulwark_api_client.types import File

URL = os.environ["BULWARK_URL"]
TOKEN = os.environ["BULWARK_TOKEN"]

checks = 0


def check(what, condition, answer=None):
    """One named expectation; the first one that fails ends the run."""
    global checks
    checks += 1
    if not condition:
        print(f"FAIL {what}: {answer!r}", file=sys.stderr)
        sys.exit(1)
    print(f"ok   {what}")


def problem(what, response, status):
    """An error answer: the documented status, parsed as an RFC 9457 problem."""
    check(f"{what}: {status}", response.status_code == status, (response.status_code, response.content))
    p = response.parsed
    check(f"{what}: a problem document", isinstance(p, Problem), p)
    check(f"{what}: problem+json", response.headers.get("content-type", "").startswith("application/problem+json"), response.headers)
    check(f"{what}: problem status {status}", p.status == status and p.type_ and p.detail, p)


client = AuthenticatedClient(base_url=URL, token=TOKEN, raise_on_unexpected_status=True)
stranger = AuthenticatedClient(base_url=URL, token="bwk_not_a_token", raise_on_unexpected_status=True)

# Who am I, and my organization among the organizations.
who = me.sync(client=client)
check("me: the bootstrap administrator", isinstance(who, MeOut) and who.org_kind == "operator", who)
page = list_organizations.sync(client=client)
check("organizations: mine listed", any(o.id == who.org_id for o in page.items), page)
problem("me with an unknown token", me.sync_detailed(client=stranger), 401)

# An organization created, read back, refused twice, and one that is not there.
name = f"Generated Client Vendor {uuid.uuid4().hex[:8]}"
created = create_organization.sync_detailed(client=client, body=NewOrganizationIn(name=name, kind="vendor"))
check("create organization: 201", created.status_code == 201, (created.status_code, created.content))
org = created.parsed
check("create organization: its name", isinstance(org, OrganizationOut) and org.name == name, org)
again = get_organization.sync(client=client, id=org.id)
check("get organization: the same", isinstance(again, OrganizationOut) and (again.id, again.name, again.kind) == (org.id, name, "vendor"), again)
problem("create organization twice", create_organization.sync_detailed(client=client, body=NewOrganizationIn(name=name, kind="vendor")), 409)
problem("create organization of no kind", create_organization.sync_detailed(client=client, body=NewOrganizationIn(name=name + " 2", kind="pirate")), 400)
problem("get organization that does not exist", get_organization.sync_detailed(client=client, id=uuid.uuid4()), 404)
problem("get organization with an unknown token", get_organization.sync_detailed(client=stranger, id=org.id), 401)

# Advisories and benchmarks: empty on a fresh database, still well-formed.
found = search.sync(client=client, q="CVE-2099-0001")
check("advisory search: none yet", isinstance(found, SearchOut) and found.items == [], found)
# Benchmarks: the default set sent as the bytes of its TOML file (twice:
# the second is the same version), and a model checked against it.
toml = open("benchmarks/frontier-cyber.toml", "rb").read()
loaded = load_benchmark.sync_detailed(client=client, body=File(payload=io.BytesIO(toml)))
check("load benchmark set: 201", loaded.status_code == 201, (loaded.status_code, loaded.content))
check("load benchmark set: frontier-cyber", isinstance(loaded.parsed, LoadOut) and loaded.parsed.benchmark.id == "frontier-cyber", loaded.parsed)
problem("load the same version again", load_benchmark.sync_detailed(client=client, body=File(payload=io.BytesIO(toml))), 409)
sets = list_benchmarks.sync(client=client)
check("benchmarks: the set loaded", isinstance(sets, list) and len(sets) == 1, sets)
pre = precheck.sync(client=client, body=PrecheckIn(profile=PrecheckInProfile.from_dict({"name": "GC-1", "parameters": 1e12})))
check("precheck: a determination", isinstance(pre, PrecheckOut) and len(pre.determinations) == 1, pre)

# Findings sent as a SARIF log (a JSON object), then as the raw bytes of a
# file: the second folds into the first's case.
sarif = {
    "version": "2.1.0",
    "runs": [{
        "tool": {"driver": {"name": "GeneratedClientScan", "version": "1.0"}},
        "results": [{
            "ruleId": "GC001",
            "message": {"text": "a buffer overflow"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/main.c"}, "region": {"startLine": 7}}}],
        }],
    }],
}
target = "pkg:generic/generated-client@1.0"
sent = submit.sync_detailed(client=client, body=SarifLog.from_dict(sarif), target=target)
check("submit SARIF as JSON: 201", sent.status_code == 201, (sent.status_code, sent.content))
receipt = sent.parsed
check("submit SARIF as JSON: one report", isinstance(receipt, IntakeOut) and receipt.reports == 1 and len(receipt.cases) == 1, receipt)
raw = json.dumps(sarif, indent=1).encode()
sent = submit.sync_detailed(client=client, body=File(payload=io.BytesIO(raw), mime_type="application/octet-stream"), target=target)
check("submit SARIF as bytes: 201", sent.status_code == 201, (sent.status_code, sent.content))
check("submit SARIF as bytes: the same case", sent.parsed.cases == receipt.cases and sent.parsed.format_ == "SARIF 2.1.0", sent.parsed)
case = cases_get_one.sync(client=client, id=receipt.cases[0])
check("get case: found", isinstance(case, CaseOut), case)
original = document.sync_detailed(client=client, sha256=sent.parsed.document)
check("get document: 200", original.status_code == 200, (original.status_code, original.content))
check("get document: the bytes sent", isinstance(original.parsed, File) and original.parsed.payload.read() == raw, original.parsed)
problem("get document that does not exist", document.sync_detailed(client=client, sha256="0" * 64), 404)

# An SBOM as the raw bytes of a file, read back.
bom = json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1,
                  "components": [{"type": "library", "name": "left-pad", "purl": "pkg:npm/left-pad@1.3.0"}]}).encode()
up = sboms_upload.sync_detailed(client=client, body=File(payload=io.BytesIO(bom), mime_type="application/vnd.cyclonedx+json"), name="generated-client")
check("upload SBOM: 201", up.status_code == 201, (up.status_code, up.content))
check("upload SBOM: one component", isinstance(up.parsed, SbomOut) and up.parsed.sbom.components == 1, up.parsed)
back = sboms_get_one.sync(client=client, id=up.parsed.sbom.id)
check("get SBOM: the same", isinstance(back, SbomOut) and back.sbom.name == "generated-client", back)

# Everything above left an intact audit chain.
chain = verify.sync(client=client)
check("audit chain intact", isinstance(chain, AuditVerifyOut) and chain.ok and chain.entries > 0, chain)

print(f"{checks} checks passed")
