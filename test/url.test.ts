// Proves parseUrl understands every address form io() accepts, like socket.io-client, and refuses bad ones clearly.

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseUrl } from "../src/url";
import { SioError } from "../src/errors";

function assertInvalid(fn: () => unknown, mentions: string) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SioError, "a SioError");
    assert.equal(err.code, "ERR_INVALID_ARG");
    assert.ok(err.message.includes(mentions), `message "${err.message}" names ${mentions}`);
    return true;
  });
}

test("absolute http URL: explicit port, default namespace", () => {
  assert.deepEqual(parseUrl("http://localhost:3000"), {
    origin: "http://localhost:3000",
    nsp: "/",
    query: {},
  });
});

test("default ports are written out: 80 for http, 443 for https", () => {
  assert.equal(parseUrl("http://example.com").origin, "http://example.com:80");
  assert.equal(parseUrl("https://example.com").origin, "https://example.com:443");
  assert.equal(parseUrl("https://example.com/").origin, "https://example.com:443");
});

test("ws: and wss: map to http: and https:", () => {
  const ws = parseUrl("ws://example.com/chat");
  assert.equal(ws.origin, "http://example.com:80");
  assert.equal(ws.nsp, "/chat");
  const wss = parseUrl("wss://example.com:8443");
  assert.equal(wss.origin, "https://example.com:8443");
});

test("a host with the default port and without it share one cache id", () => {
  assert.equal(parseUrl("http://example.com").origin, parseUrl("http://example.com:80").origin);
  assert.equal(parseUrl("ws://example.com/a").origin, parseUrl("http://example.com/b").origin);
  assert.notEqual(parseUrl("http://example.com").origin, parseUrl("https://example.com").origin);
  assert.notEqual(parseUrl("http://example.com:3000").origin, parseUrl("http://example.com:3001").origin);
});

test("scheme and host are case-insensitive and normalised to lower case", () => {
  const url = parseUrl("HTTPS://Example.COM/Chat");
  assert.equal(url.origin, "https://example.com:443");
  assert.equal(url.nsp, "/Chat", "the path keeps its case: namespaces are case-sensitive");
});

test("path becomes the namespace, query is decoded, fragment dropped", () => {
  const url = parseUrl("http://example.com:3000/admin?token=a%20b&x=1&x=2#frag");
  assert.equal(url.nsp, "/admin");
  assert.deepEqual(url.query, { token: "a b", x: "2" });
  assert.equal(url.origin, "http://example.com:3000");
});

test("a query key named __proto__ stays plain data", () => {
  const url = parseUrl("http://h/?__proto__=x&a=1");
  assert.equal(Object.getPrototypeOf(url.query), Object.prototype);
  assert.equal(Object.hasOwn(url.query, "__proto__"), true);
  assert.equal(url.query["a"], "1");
});

test("IPv6 hosts: bracketed in origin", () => {
  const url = parseUrl("http://[::1]:3000/x");
  assert.equal(url.origin, "http://[::1]:3000");
  assert.equal(parseUrl("wss://[2001:db8::1]").origin, "https://[2001:db8::1]:443");
});

test("no URL: the page origin, and a clear error in Node where there is none", () => {
  const url = parseUrl(undefined, "https://app.example.com");
  assert.equal(url.origin, "https://app.example.com:443");
  assert.equal(url.nsp, "/");
  assert.equal(parseUrl("", "http://localhost:8080").origin, "http://localhost:8080");
  assertInvalid(() => parseUrl(undefined), "no URL given and no page origin to default to");
  assertInvalid(() => parseUrl(""), "no URL given");
  // A file: page has the opaque origin "null": there is no server to default to.
  assertInvalid(() => parseUrl(undefined, "null"), "no URL given");
});

test("a page origin given as a full page URL only contributes its origin", () => {
  const url = parseUrl("/chat", "https://app.example.com/some/page.html?q=1");
  assert.equal(url.origin, "https://app.example.com:443");
  assert.equal(url.nsp, "/chat");
  assert.deepEqual(url.query, {});
});

test("relative path: the namespace on the page origin", () => {
  const url = parseUrl("/admin?x=1", "http://localhost:8080");
  assert.equal(url.origin, "http://localhost:8080");
  assert.equal(url.nsp, "/admin");
  assert.deepEqual(url.query, { x: "1" });
  assertInvalid(() => parseUrl("/admin"), "/admin");
});

test("protocol-relative URL takes the page's scheme (http without a page)", () => {
  assert.equal(parseUrl("//host:3000/x", "https://page.example").origin, "https://host:3000");
  assert.equal(parseUrl("//host:3000/x", "http://page.example").origin, "http://host:3000");
  assert.equal(parseUrl("//host/x").origin, "http://host:80");
  assert.equal(parseUrl("//host/x").nsp, "/x");
});

test("no scheme: http, or https when the page is https", () => {
  assert.equal(parseUrl("localhost:3000").origin, "http://localhost:3000");
  assert.equal(parseUrl("localhost:3000").nsp, "/");
  const chat = parseUrl("example.com/chat");
  assert.equal(chat.origin, "http://example.com:80");
  assert.equal(chat.nsp, "/chat");
  assert.equal(parseUrl("example.com/chat", "https://page.example").origin, "https://example.com:443");
  assert.equal(parseUrl("example.com", "http://page.example").origin, "http://example.com:80");
  assert.equal(parseUrl("127.0.0.1:4000/ns").origin, "http://127.0.0.1:4000");
});

test("surrounding whitespace is ignored", () => {
  assert.deepEqual(parseUrl("  http://h:1/a  "), { origin: "http://h:1", nsp: "/a", query: {} });
});

test("invalid URLs give ERR_INVALID_ARG naming the input", () => {
  assertInvalid(() => parseUrl("http://"), '"http://"');
  assertInvalid(() => parseUrl("http://exa mple.com"), "exa mple.com");
  assertInvalid(() => parseUrl("http://host:99999"), "host:99999");
  assertInvalid(() => parseUrl("ftp://files.example"), "ftp:");
  assertInvalid(() => parseUrl("mailto:someone"), "mailto:someone");
  assertInvalid(() => parseUrl(42 as unknown as string), "number");
});

test("pure: the same input always gives an equal, independent result", () => {
  const a = parseUrl("http://h/?a=1");
  const b = parseUrl("http://h/?a=1");
  assert.deepEqual(a, b);
  a.query["a"] = "changed";
  assert.equal(b.query["a"], "1");
});
