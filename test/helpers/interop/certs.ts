// Throwaway TLS material made by openssl for one test run: a CA, a server certificate for 127.0.0.1/localhost
// signed by it, and a client certificate (for mutual TLS) signed by it. Everything lives in a temp dir that is
// removed when the test ends.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TeardownContext } from "./processes";

export interface TestCertificates {
  /** PEM of the CA that signed both certificates: what a client needs as `ca`. */
  ca: string;
  serverKey: string;
  serverCert: string;
  clientKey: string;
  clientCert: string;
  /** The subject CN of the client certificate. */
  clientName: string;
}

const OPENSSL = process.env.SIOLINK_INTEROP_OPENSSL ?? "openssl";

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync(OPENSSL, args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? "";
    throw new Error(`openssl ${args.join(" ")} failed: ${(error as Error).message}\n${stderr}`);
  }
}

/** An EC P-256 key and a CSR with subject CN=name. */
function keyAndRequest(dir: string, name: string, file: string): void {
  openssl(dir, [
    "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", `${file}.key`, "-out", `${file}.csr`, "-subj", `/CN=${name}`,
  ]);
}

function sign(dir: string, file: string, extensions: string): void {
  writeFileSync(join(dir, `${file}.ext`), extensions);
  openssl(dir, [
    "x509", "-req", "-in", `${file}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
    "-days", "2", "-sha256", "-extfile", `${file}.ext`, "-out", `${file}.crt`,
  ]);
}

export function makeCertificates(t: TeardownContext): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "siolink-certs-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  openssl(dir, [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=siolink test CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  keyAndRequest(dir, "127.0.0.1", "server");
  sign(dir, "server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  const clientName = "siolink-test-client";
  keyAndRequest(dir, clientName, "client");
  sign(dir, "client", "extendedKeyUsage=clientAuth\n");
  const read = (name: string): string => readFileSync(join(dir, name), "utf8");
  return {
    ca: read("ca.crt"),
    serverKey: read("server.key"),
    serverCert: read("server.crt"),
    clientKey: read("client.key"),
    clientCert: read("client.crt"),
    clientName,
  };
}
