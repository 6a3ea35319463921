// Starts the telegram-test-api emulator on 127.0.0.1:PORT for tests/e2e/test_emulator.py.
// Prints "listening PORT" once it accepts connections; stops when stdin closes (the test ended
// or died) or on SIGTERM/SIGINT.
'use strict';

const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node start_emulator.js PORT');
  process.exit(2);
}

// storeTimeout: keep every message for the whole test (the default drops them after 60 s).
const server = new TelegramServer({ port, host: '127.0.0.1', storage: 'RAM', storeTimeout: 600 });

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  try {
    await server.stop();
  } finally {
    process.exit(code);
  }
}

server
  .start()
  .then(() => {
    process.stdout.write(`listening ${port}\n`);
  })
  .catch((error) => {
    console.error(`cannot start the emulator on port ${port}: ${error.message}`);
    process.exit(1);
  });

process.stdin.on('end', () => stop(0));
process.stdin.on('error', () => stop(0));
process.stdin.resume();
process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
