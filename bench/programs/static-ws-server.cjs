#!/usr/bin/env node
// Attach baseline: a bare WebSocket server (the `ws` package, as the real server uses) that sends one TEXT frame
// with the contents of PAYLOAD_FILE on each connection. Prints its port.
const fs = require('node:fs');
const { WebSocketServer } = require('ws');
const payload = fs.readFileSync(process.argv[2], 'utf8');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws) => ws.send(payload));
wss.on('listening', () => process.stdout.write(`port ${wss.address().port}\n`));
