// Starts python_server.py (python-socketio on aiohttp, from Debian's packages) as a child process on a free
// loopback port; stop() kills it by pid as a crash would, start() brings it back on the same port.

import { fileURLToPath } from "node:url";
import { INSTALL_HINT, requireProgram, startChild, type Child } from "./processes";
import type { InteropServerFactory } from "./scenario-server";

const SCRIPT = fileURLToPath(new URL("./python_server.py", import.meta.url));

/** Debian's interpreter: the python3 first on PATH may be another install that lacks the Debian modules. */
export const PYTHON = process.env.SIOLINK_INTEROP_PYTHON ?? "/usr/bin/python3";

export const pythonSocketIoServer: InteropServerFactory = async (t) => {
  requireProgram(PYTHON);
  let port = 0;
  let child: Child | undefined;

  const start = async (): Promise<void> => {
    child = await startChild(t, {
      name: "python-socketio server",
      command: PYTHON,
      args: ["-u", SCRIPT, "--port", String(port)],
      ready: /^LISTENING (\d+)$|ModuleNotFoundError/,
    });
    const match = child.readyMatch as RegExpMatchArray;
    if (match[1] === undefined) throw new Error(`python-socketio is not importable (${match[0]}): ${INSTALL_HINT}`);
    port = Number(match[1]);
  };
  const stop = async (): Promise<void> => {
    await child?.kill("SIGKILL");
    child = undefined;
  };

  await start();
  return {
    label: "python-socketio",
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    stop,
    start,
  };
};
