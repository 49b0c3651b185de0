// Script-tag entry (dist/siolink.js, dist/siolink.min.js): the bundle's only export becomes the global `io`,
// the function that already carries io.Manager, io.Socket, io.protocol, io.io and io.connect.

export { default } from "./index";
