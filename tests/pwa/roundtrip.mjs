// Reads {"tasks": [...]} as JSON on stdin, runs them with the JS crypto, writes {"results": [...]} to stdout.
// Driven by tests/crypto/test_cross_implementation.py.

import { runTasks } from './roundtrip_tasks.mjs';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { tasks } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
process.stdout.write(JSON.stringify({ results: await runTasks(tasks) }));
