// Writes docs/errors.md: every error message whose text production browser builds leave out (the
// `DEV ? text : values` expressions in src/), by error code, with the values that remain in production.
// `node docs/errors.mjs` rewrites the file; test/errors.production.test.ts checks that it is up to date.

import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The code each error constructor or factory gives. */
const CODES = {
  invalidArg: "ERR_INVALID_ARG",
  nonNegative: "ERR_INVALID_ARG",
  invalidState: "ERR_INVALID_STATE",
  TransportError: "ERR_TRANSPORT",
  tooLargeError: "ERR_TRANSPORT",
  requestFailed: "ERR_TRANSPORT",
  ProtocolError: "ERR_PROTOCOL",
  TimeoutError: "ERR_TIMEOUT",
  ConnectError: "ERR_CONNECT",
  AbortError: "ERR_ABORTED",
  toError: "ERR_ABORTED",
  // Local helpers: the encoder's invalid(), the decoder's #fail, the handshake's fail, the upgrade's #fail.
  invalid: "ERR_INVALID_ARG",
  "this.#fail": "ERR_PROTOCOL",
  fail: "ERR_HANDSHAKE",
};
/** Functions that return a message their callers throw with more than one code. */
const RETURNED_BY = { packetProblem: "ERR_PROTOCOL (decoders), ERR_INVALID_ARG (encoders)" };
/** Files whose `this.#fail` means something else. */
const FAIL_IN = { "src/engine/upgrade.ts": "ERR_TRANSPORT (upgradeError)" };

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** A template's text with its values as {placeholders}. */
function text(node, sf) {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) {
    return node.head.text + node.templateSpans.map((s) => `{${s.expression.getText(sf)}}${s.literal.text}`).join("");
  }
  return node.getText(sf);
}

/**
 * The development messages an expression can produce: each branch of a conditional, and for a call of a function
 * of the same file (a message chosen by a helper that production builds drop), each message it returns.
 */
function messages(node, sf) {
  while (ts.isParenthesizedExpression(node)) node = node.expression;
  if (ts.isConditionalExpression(node)) return [...messages(node.whenTrue, sf), ...messages(node.whenFalse, sf)];
  if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
    const name = node.expression.text;
    const fn = sf.statements.find((s) => ts.isFunctionDeclaration(s) && s.name?.text === name);
    if (fn?.body) {
      const out = [];
      const visit = (n) => {
        if (ts.isReturnStatement(n) && n.expression) out.push(...messages(n.expression, sf));
        else if (!ts.isFunctionLike(n)) ts.forEachChild(n, visit);
      };
      ts.forEachChild(fn.body, visit);
      return out;
    }
  }
  return [text(node, sf)];
}

/** The error code of the construction around `node`, if one can be told. */
function codeOf(node, sf) {
  for (let n = node.parent; n !== undefined; n = n.parent) {
    if (ts.isCallExpression(n) || ts.isNewExpression(n)) {
      const callee = n.expression.getText(sf);
      if (callee === "SioError" && n.arguments?.[0] && ts.isStringLiteral(n.arguments[0])) return n.arguments[0].text;
      const file = relative(root, sf.fileName).replaceAll("\\", "/");
      if ((callee === "this.#fail" || callee === "fail") && FAIL_IN[file]) return FAIL_IN[file];
      if (ts.isNewExpression(n) && /ProtocolError/.test(callee)) {
        // `new ProtocolError(message, { code: "ERR_HANDSHAKE" })`: the code given wins over the class's default.
        const given = /\bcode:\s*"(ERR_[A-Z_]+)"/.exec(n.arguments?.[1]?.getText(sf) ?? "");
        return given ? given[1] : "ERR_PROTOCOL";
      }
      if (CODES[callee]) return CODES[callee];
    }
    if (ts.isParameter(n)) return "ERR_ABORTED";
    if (ts.isPropertyAssignment(n) && n.name.getText(sf) === "description") return "(close description)";
    if (ts.isFunctionLike(n)) {
      if (n.name && RETURNED_BY[n.name.getText(sf)]) return RETURNED_BY[n.name.getText(sf)];
      break;
    }
  }
  return "(description)";
}

export function errorTable() {
  const rows = [];
  for (const file of files(join(root, "src")).sort()) {
    const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    const visit = (node) => {
      // A symbol's development description (`Symbol(DEV ? "name" : undefined)`) is no message.
      const described = node.parent !== undefined && ts.isCallExpression(node.parent) && node.parent.expression.getText(sf) === "Symbol";
      if (ts.isConditionalExpression(node) && node.condition.getText(sf) === "DEV" && !described) {
        const where = relative(root, file).replaceAll("\\", "/");
        for (const message of messages(node.whenTrue, sf)) rows.push([codeOf(node, sf), message, text(node.whenFalse, sf), where]);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  rows.sort((a, b) => a[0].localeCompare(b[0]) || a[3].localeCompare(b[3]));
  const cell = (s) => s.replaceAll("|", "\\|").replaceAll("`", "'").replaceAll("\n", " ");
  return [
    "# Error messages",
    "",
    "<!-- Generated by `node docs/errors.mjs` from the `DEV ? text : values` expressions in src/. -->",
    "",
    "Production browser builds (`dist/siolink.min.js`, `dist/siolink.websocket.min.js`, `dist/siolink.msgpack.min.js`,",
    "and the `production` export condition that Vite and webpack pick in production mode) leave the text of error",
    "messages out: an error keeps its `code` and its message holds only the values below (\"production message\"). To read the full",
    "text, find the row with that code and those values, or run the development build (`dist/siolink.js`, your",
    "bundler's development mode, or Node), which throws the full message.",
    "",
    "| code | message | production message | source |",
    "|---|---|---|---|",
    ...rows.map(([code, dev, prod, where]) => `| ${code} | ${cell(dev)} | ${cell(prod)} | ${where} |`),
    "",
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(join(root, "docs", "errors.md"), errorTable());
  console.log("wrote docs/errors.md");
}
