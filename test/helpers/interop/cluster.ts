// A real socket.io cluster for the interop tests: Debian's redis-server, two socket.io 4.8 nodes with the
// redis adapter (child processes), and Debian's nginx in front, each on a free loopback port, each killed by
// pid when the test ends. nginx balances round robin (no stickiness) or by ip_hash.

import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, requireProgram, startChild, waitForPort, type Child, type TeardownContext } from "./processes";

const NODE_SCRIPT = fileURLToPath(new URL("./cluster-node.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

export const REDIS_SERVER = process.env.SIOLINK_INTEROP_REDIS ?? "/usr/bin/redis-server";
export const NGINX = process.env.SIOLINK_INTEROP_NGINX ?? "/usr/sbin/nginx";

export async function startRedis(t: TeardownContext): Promise<number> {
  requireProgram(REDIS_SERVER);
  const port = await freePort();
  await startChild(t, {
    name: "redis-server",
    command: REDIS_SERVER,
    // No persistence and no config file: a throwaway in-memory broker for one test.
    args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
    ready: /Ready to accept connections/,
  });
  return port;
}

export interface ClusterNode {
  name: string;
  port: number;
  child: Child;
  /** Messages of the engine's connection_error events so far ("Session ID unknown"...). */
  connectionErrors(): string[];
}

export async function startNode(t: TeardownContext, name: string, redisPort: number): Promise<ClusterNode> {
  const child = await startChild(t, {
    name: `cluster node ${name}`,
    command: process.execPath,
    args: ["--import", "tsx", NODE_SCRIPT, name, String(redisPort)],
    cwd: REPO_ROOT,
    ready: /^\{"listening":(\d+)\}$/,
    timeoutMs: 30_000,
  });
  const port = Number((child.readyMatch as RegExpMatchArray)[1]);
  return {
    name,
    port,
    child,
    connectionErrors() {
      const out: string[] = [];
      for (const line of child.lines) {
        if (!line.startsWith('{"connectionError"')) continue;
        out.push((JSON.parse(line) as { connectionError: { message: string } }).connectionError.message);
      }
      return out;
    },
  };
}

export type Balancing = "round-robin" | "ip_hash";

/** The whole nginx.conf: one worker in the foreground, everything (pid, logs, temp files) inside `dir`. */
export function nginxConfig(dir: string, listenPort: number, upstreamPorts: number[], balancing: Balancing): string {
  const servers = upstreamPorts.map((port) => `    server 127.0.0.1:${port};`).join("\n");
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr notice;

events {
  worker_connections 256;
}

http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;

  upstream socketio_nodes {
${balancing === "ip_hash" ? "    ip_hash;\n" : ""}${servers}
  }

  map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      close;
  }

  server {
    listen 127.0.0.1:${listenPort};

    location /socket.io/ {
      proxy_pass http://socketio_nodes;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_read_timeout 60s;
      # A failed node must not be retried on the other one: the test wants every request to land where
      # the balancer sends it.
      proxy_next_upstream off;
    }
  }
}
`;
}

export async function startNginx(t: TeardownContext, upstreamPorts: number[], balancing: Balancing): Promise<string> {
  requireProgram(NGINX);
  const dir = mkdtempSync(join(tmpdir(), "siolink-nginx-"));
  mkdirSync(join(dir, "tmp"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const conf = join(dir, "nginx.conf");
  writeFileSync(conf, nginxConfig(dir, port, upstreamPorts, balancing));
  // -e: early errors (before the config is read) also go to stderr instead of /var/log/nginx.
  const child = await startChild(t, { name: "nginx", command: NGINX, args: ["-p", dir, "-e", "stderr", "-c", conf] });
  await waitForPort(port, child);
  return `http://127.0.0.1:${port}`;
}

export interface Cluster {
  /** nginx's address: what the clients use. */
  url: string;
  nodes: ClusterNode[];
}

export async function startCluster(t: TeardownContext, balancing: Balancing): Promise<Cluster> {
  const redisPort = await startRedis(t);
  const nodes = await Promise.all([startNode(t, "A", redisPort), startNode(t, "B", redisPort)]);
  const url = await startNginx(
    t,
    nodes.map((node) => node.port),
    balancing,
  );
  return { url, nodes };
}
