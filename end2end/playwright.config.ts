import { defineConfig } from '@playwright/test';

const port = process.env.PITWALL_E2E_PORT ?? '3999';
const gatePort = process.env.PITWALL_E2E_GATE_PORT ?? '4000';
// One embedded database for the console and the gate in front of it.
const dataDir = process.env.PITWALL_E2E_DATA_DIR ?? `/tmp/pitwall-e2e-${process.pid}`;
const env = { PITWALL_E2E_PORT: port, PITWALL_E2E_GATE_PORT: gatePort, PITWALL_E2E_DATA_DIR: dataDir };
const server = {
  reuseExistingServer: false,
  timeout: 120_000,
  gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 10_000 },
  stdout: 'ignore' as const,
  stderr: 'pipe' as const,
  env,
};

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // The journeys build on each other (the owner set up in one signs in in the next).
  workers: 1,
  fullyParallel: false,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    launchOptions: {
      // Debian's Chromium: Playwright must never download a browser of its own.
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking'],
    },
  },
  webServer: [
    { ...server, command: './serve.sh', url: `http://127.0.0.1:${port}/healthz` },
    // The gate passes /healthz through to the console: up means both are.
    { ...server, command: './gate.sh', url: `http://127.0.0.1:${gatePort}/healthz` },
  ],
});
