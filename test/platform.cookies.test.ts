// The Node cookie jar (src/platform/cookies.ts) on its own: Domain, Path, Expires/Max-Age, Secure,
// replacement and malformed lines, with a controlled clock.

import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultPath, MemoryCookieJar, pathMatches } from "../src/platform/cookies";

function jarAt(start = Date.UTC(2026, 10, 22)) {
  let now = start;
  const jar = new MemoryCookieJar(() => now);
  return { jar, advance: (ms: number) => void (now += ms), now: () => now };
}

test("host-only cookie: sent to the host that set it, not to its subdomains or parent", () => {
  const { jar } = jarAt();
  jar.store("http://example.com/socket.io/?EIO=4", ["a=1; Path=/"]);
  assert.equal(jar.cookieHeader("http://example.com/socket.io/"), "a=1");
  assert.equal(jar.cookieHeader("ws://EXAMPLE.com/x"), "a=1", "host comparison ignores case; ws counts as http");
  assert.equal(jar.cookieHeader("http://sub.example.com/"), undefined);
  jar.store("http://sub.example.com/", ["b=2; Path=/"]);
  assert.equal(jar.cookieHeader("http://example.com/"), "a=1");
});

test("Domain cookie: sent to the domain and its subdomains, leading dot or not", () => {
  const { jar } = jarAt();
  jar.store("http://api.example.com/", ["a=1; Domain=example.com; Path=/", "b=2; Domain=.Example.COM; Path=/"]);
  assert.equal(jar.cookieHeader("http://example.com/"), "a=1; b=2");
  assert.equal(jar.cookieHeader("http://deep.api.example.com/"), "a=1; b=2");
  assert.equal(jar.cookieHeader("http://notexample.com/"), undefined, "suffix without a dot boundary");
  assert.equal(jar.cookieHeader("http://example.org/"), undefined);
});

test("a Domain that does not domain-match the host, or a bare TLD, is refused", () => {
  const { jar } = jarAt();
  jar.store("http://api.example.com/", [
    "sibling=1; Domain=other.example.com",
    "foreign=1; Domain=example.org",
    "child=1; Domain=deeper.api.example.com",
    "tld=1; Domain=com",
  ]);
  assert.equal(jar.size, 0);
  assert.equal(jar.cookieHeader("http://other.example.com/"), undefined);
  assert.equal(jar.cookieHeader("http://example.org/"), undefined);
});

test("IP hosts: cookies only for the exact address", () => {
  const { jar } = jarAt();
  jar.store("http://127.0.0.1:3000/", ["a=1; Path=/", "b=2; Domain=0.0.1; Path=/", "c=3; Domain=127.0.0.1; Path=/"]);
  assert.equal(jar.cookieHeader("http://127.0.0.1:4000/"), "a=1; c=3", "ports do not separate cookies");
  assert.equal(jar.cookieHeader("http://127.0.0.2/"), undefined);
  jar.store("http://[::1]:3000/", ["v6=1; Path=/"]);
  assert.equal(jar.cookieHeader("ws://[::1]/"), "v6=1");
});

test("default path (RFC 6265 5.1.4) and path-match", () => {
  assert.equal(defaultPath("/socket.io/"), "/socket.io");
  assert.equal(defaultPath("/socket.io"), "/");
  assert.equal(defaultPath("/"), "/");
  assert.equal(defaultPath(""), "/");
  assert.equal(defaultPath("/a/b/c"), "/a/b");
  assert.ok(pathMatches("/socket.io/", "/socket.io"));
  assert.ok(pathMatches("/socket.io", "/socket.io"));
  assert.ok(pathMatches("/a/b", "/a/"));
  assert.ok(!pathMatches("/socket.iox/", "/socket.io"));
  assert.ok(!pathMatches("/", "/socket.io"));

  const { jar } = jarAt();
  jar.store("http://h/socket.io/?EIO=4", ["dflt=1", "root=2; Path=/", "bad=3; Path=relative"]);
  // "relative" is not a path: the default path applies, as for "dflt".
  assert.equal(jar.cookieHeader("http://h/socket.io/?EIO=4&sid=x"), "dflt=1; bad=3; root=2");
  assert.equal(jar.cookieHeader("http://h/other/"), "root=2");
});

test("longer paths come first, then creation order", () => {
  const { jar } = jarAt();
  jar.store("http://h/", ["z=1; Path=/", "y=2; Path=/a/b", "x=3; Path=/a", "w=4; Path=/"]);
  assert.equal(jar.cookieHeader("http://h/a/b/c"), "y=2; x=3; z=1; w=4");
});

test("Max-Age: lifetime from now, wins over Expires in either order, <= 0 deletes", () => {
  const { jar, advance } = jarAt();
  const farFuture = "Wed, 01 Jan 2070 00:00:00 GMT";
  const past = "Thu, 01 Jan 1970 00:00:10 GMT";
  jar.store("http://h/", [
    `a=1; Path=/; Max-Age=10; Expires=${farFuture}`,
    `b=2; Path=/; Expires=${past}; Max-Age=100`,
    "c=3; Path=/; Max-Age=abc",
  ]);
  assert.equal(jar.cookieHeader("http://h/"), "a=1; b=2; c=3", "a bad Max-Age is ignored: c is a session cookie");
  advance(10_000);
  assert.equal(jar.cookieHeader("http://h/"), "b=2; c=3", "a expired after 10 s despite its far Expires");
  jar.store("http://h/", ["b=gone; Path=/; Max-Age=0", "c=gone; Path=/; Max-Age=-1"]);
  assert.equal(jar.cookieHeader("http://h/"), undefined);
  assert.equal(jar.size, 0);
});

test("Expires: kept until then; a past date deletes; an unparsable date is ignored", () => {
  const { jar, advance, now } = jarAt();
  const inAMinute = new Date(now() + 60_000).toUTCString();
  jar.store("http://h/", [`a=1; Path=/; Expires=${inAMinute}`, "b=2; Path=/; Expires=not a date"]);
  assert.equal(jar.cookieHeader("http://h/"), "a=1; b=2");
  advance(60_000);
  assert.equal(jar.cookieHeader("http://h/"), "b=2");
  jar.store("http://h/", ["b=x; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"]);
  assert.equal(jar.cookieHeader("http://h/"), undefined);
});

test("Secure: only sent over https and wss, and only accepted from them", () => {
  const { jar } = jarAt();
  jar.store("https://h/", ["s=1; Path=/; Secure", "p=2; Path=/"]);
  assert.equal(jar.cookieHeader("https://h/"), "s=1; p=2");
  assert.equal(jar.cookieHeader("wss://h/"), "s=1; p=2");
  assert.equal(jar.cookieHeader("http://h/"), "p=2");
  assert.equal(jar.cookieHeader("ws://h/"), "p=2");
  jar.store("http://h/", ["s2=1; Path=/; secure"]);
  assert.equal(jar.cookieHeader("https://h/"), "s=1; p=2", "a Secure cookie from plain http is dropped");
});

test("a later cookie with the same name, domain and path replaces the earlier one, keeping its place", () => {
  const { jar } = jarAt();
  jar.store("http://h/", ["a=1; Path=/", "b=2; Path=/"]);
  jar.store("http://h/", ["a=3; Path=/"]);
  assert.equal(jar.cookieHeader("http://h/"), "a=3; b=2");
  jar.store("http://h/", ["a=4; Path=/x"]);
  assert.equal(jar.cookieHeader("http://h/x"), "a=4; a=3; b=2", "another path is another cookie");
  jar.store("http://sub.h.example/", ["d=1; Path=/; Domain=h.example"]);
  jar.store("http://h.example/", ["d=2; Path=/"]);
  // RFC 6265 5.3: same name, domain string and path is the same cookie, host-only flag included in the swap.
  assert.equal(jar.cookieHeader("http://h.example/"), "d=2");
  assert.equal(jar.cookieHeader("http://sub.h.example/"), undefined, "the replacement is host-only");
  assert.equal(jar.size, 4);
});

test("malformed lines and URLs are ignored without throwing", () => {
  const { jar } = jarAt();
  const lines = [
    "",
    ";",
    "novalue",
    "=nameless",
    "  =x; Path=/",
    "bad\u0001name=1",
    "ok=1; Path=/; Domain=; Max-Age=; Expires=; Secure=whatever-but-https-only; =; ;;",
    `big=${"x".repeat(5000)}`,
    "spaced = v a l ; Path=/",
    42 as unknown as string,
  ];
  assert.doesNotThrow(() => jar.store("http://h/", lines));
  assert.doesNotThrow(() => jar.store("not a url", ["a=1"]));
  assert.equal(jar.cookieHeader("not a url"), undefined);
  // "ok" is Secure (the attribute value does not matter) and came over http: dropped.
  assert.equal(jar.cookieHeader("http://h/"), "spaced=v a l");
});

test("the jar is bounded: the oldest cookies go first", () => {
  const { jar } = jarAt();
  const lines = Array.from({ length: 1100 }, (_, i) => `c${i}=${i}; Path=/`);
  jar.store("http://h/", lines);
  assert.equal(jar.size, 1000);
  const header = jar.cookieHeader("http://h/") ?? "";
  assert.ok(header.startsWith("c100=100; "), header.slice(0, 40));
});
