// Older socket.io 4.x servers (4.0.2 and 4.4.1, through npm aliases): the core scenarios for both clients.
// Servers of these versions send no maxPayload in the Engine.IO handshake and speak engine.io-parser 4 / 5.0.

import { coreScenarios } from "./helpers/interop/scenarios";
import { socketIoServer } from "./helpers/interop/scenario-server";

coreScenarios("socket.io 4.0.2", socketIoServer("socket.io-4.0", '"socket.io-4.0": "npm:socket.io@4.0.2"'));
coreScenarios("socket.io 4.4.1", socketIoServer("socket.io-4.4", '"socket.io-4.4": "npm:socket.io@4.4.1"'));
