// python-socketio 5 (Debian's python3-socketio on aiohttp) as the server: the core scenarios for both clients.
// Needs `bash test/helpers/interop/install.sh`.

import { pythonSocketIoServer } from "./helpers/interop/python";
import { coreScenarios } from "./helpers/interop/scenarios";

coreScenarios("python-socketio", pythonSocketIoServer);
