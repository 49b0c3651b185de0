// A/A calibration entry: socket.io-client posing as siolink, so `--siolink-entry bench/aa-shim.mjs` shows how far
// the ratios of two identical clients stray from 1.00 on this machine (the noise floor of a run).
export { io, Manager, Socket } from "socket.io-client";
