// The fake Graph's TLS (test/support/fake-graph.ts): a throwaway CA and a server certificate for
// 127.0.0.1 and localhost, generated with `openssl` at first use, once per process.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let tlsMaterial: { ca: string; caPath: string; key: string; cert: string } | undefined;

/** A throwaway CA and a server certificate for 127.0.0.1 and localhost (generated once per process). */
export function testTls(): { ca: string; caPath: string; key: string; cert: string } {
  if (tlsMaterial) return tlsMaterial;
  const dir = mkdtempSync(join(tmpdir(), "latchkey-fake-graph-"));
  const f = (name: string) => join(dir, name);
  const ossl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  ossl(
    "req",
    "-x509",
    ...ec,
    "-days",
    "2",
    "-subj",
    "/CN=Latchkey throwaway test CA",
    "-keyout",
    f("ca.key"),
    "-out",
    f("ca.pem"),
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  ossl("req", ...ec, "-subj", "/CN=127.0.0.1", "-keyout", f("server.key"), "-out", f("server.csr"));
  writeFileSync(
    f("ext.cnf"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
  );
  ossl(
    "x509",
    "-req",
    "-in",
    f("server.csr"),
    "-CA",
    f("ca.pem"),
    "-CAkey",
    f("ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-out",
    f("server.pem"),
    "-extfile",
    f("ext.cnf"),
  );
  tlsMaterial = {
    ca: readFileSync(f("ca.pem"), "utf8"),
    caPath: f("ca.pem"),
    key: readFileSync(f("server.key"), "utf8"),
    cert: readFileSync(f("server.pem"), "utf8"),
  };
  return tlsMaterial;
}
