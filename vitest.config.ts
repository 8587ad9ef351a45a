import { defineConfig } from 'vitest/config'

// Tiers by suffix: *.unit.spec.ts need nothing; *.int.spec.ts start their own
// redis-server; *.e2e.spec.ts drive `mqtt-redis serve` with real MQTT clients.
export default defineConfig({
  test: {
    // Two cores: keep the number of files (each with its own redis-server) in flight small.
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.unit.spec.ts'] } },
      { extends: true, test: { name: 'int', include: ['test/**/*.int.spec.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.e2e.spec.ts'] } },
    ],
  },
})
