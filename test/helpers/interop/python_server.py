"""A python-socketio (aiohttp) server speaking the interop scenario protocol, for siolink's interop tests.

Started by test/helpers/interop/python.ts on 127.0.0.1; prints "LISTENING <port>" once it accepts
connections. The scenario protocol (the same one scenario-server.ts installs on Node socket.io servers):
  - namespaces "/" and "/admin"; any other namespace is refused by python-socketio itself;
  - auth {"token": "bad"} is refused with connect_error "not authorized" and data {code, reason};
  - "whoami" (ack) -> {"nsp", "auth", "transport"};
  - "echo" (*args, ack) -> ack(*args), binary included;
  - "ask" ({"event", "args"}, ack) -> the server emits event(*args) to this client with an ack callback and
    acks "ask" with the client's answer;
  - "push" ({"event", "args"}) -> the server emits event(*args) to this client, no ack;
  - "kick" -> the server disconnects this client from the namespace.
"""

import argparse
import asyncio
import signal
import socket
import sys

import socketio
from aiohttp import web

NAMESPACES = ("/", "/admin")


def build_server():
    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
    auth_by_sid = {}

    def register(nsp):
        async def connect(sid, environ, auth=None):
            if isinstance(auth, dict) and auth.get("token") == "bad":
                raise socketio.exceptions.ConnectionRefusedError(
                    "not authorized", {"code": 4001, "reason": "bad token"})
            auth_by_sid[(nsp, sid)] = auth if auth is not None else {}

        async def disconnect(sid):
            auth_by_sid.pop((nsp, sid), None)

        async def whoami(sid):
            # sio.transport() wants the Engine.IO session id, which differs from the namespace sid in 5.x.
            eio_sid = sio.manager.eio_sid_from_sid(sid, nsp)
            return {"nsp": nsp, "auth": auth_by_sid.get((nsp, sid), {}), "transport": sio.eio.transport(eio_sid)}

        async def echo(sid, *args):
            return args

        async def ask(sid, request):
            answer = await sio.call(request["event"], tuple(request.get("args", [])), to=sid, namespace=nsp,
                                    timeout=10)
            return answer

        async def push(sid, request):
            await sio.emit(request["event"], tuple(request.get("args", [])), to=sid, namespace=nsp)

        async def kick(sid):
            # After the handler returns, so the ack-less "kick" is fully processed before the disconnect.
            asyncio.get_running_loop().call_soon(
                lambda: asyncio.ensure_future(sio.disconnect(sid, namespace=nsp)))

        for name, handler in (("connect", connect), ("disconnect", disconnect), ("whoami", whoami),
                              ("echo", echo), ("ask", ask), ("push", push), ("kick", kick)):
            sio.on(name, handler, namespace=nsp)

    for nsp in NAMESPACES:
        register(nsp)
    return sio


async def main(port):
    sio = build_server()
    app = web.Application()
    sio.attach(app)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    # Our own socket: port 0 picks a free port we can report, SO_REUSEADDR lets a restart take the same port.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    site = web.SockSite(runner, sock)
    await site.start()
    print("LISTENING %d" % sock.getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(main(parser.parse_args().port))
    sys.exit(0)
