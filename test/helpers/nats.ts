// The NATS JetStream server the tests use (running on development and CI machines), and cleanup of test streams.
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export async function deleteStream(stream: string) {
  const nc = await connect({ servers: NATS_URL });
  try {
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => {});
  } finally {
    await nc.close();
  }
}
