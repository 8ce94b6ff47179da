import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { Kafka, type KafkaConfig, type Producer } from 'kafkajs';
import type { EventPublisher, OutboxEvent } from './outbox';

/** MSK's listener port for IAM authentication; brokers on other ports are reached over TLS without SASL. */
export const MSK_IAM_PORT = 9098;

/** The kafkajs connection settings for MSK brokers: TLS always, plus SASL/OAUTHBEARER signed by IAM on port 9098. */
export function kafkaConfig(brokers: readonly string[], region: string | undefined): KafkaConfig {
  const iam = brokers.every((b) => b.endsWith(`:${MSK_IAM_PORT}`));
  if (iam && !region) throw new Error('KAFKA_BROKERS on the IAM port need AWS_REGION to sign the authentication token');
  return {
    clientId: 'photo-api',
    brokers: [...brokers],
    ssl: true,
    connectionTimeout: 3_000,
    ...(iam && region
      ? {
          sasl: {
            mechanism: 'oauthbearer' as const,
            oauthBearerProvider: async () => ({ value: (await generateAuthToken({ region })).token }),
          },
        }
      : {}),
  };
}

/**
 * Publishes outbox events to Kafka: one topic per event type, the event key as the message key (so the events
 * of one post or user stay in order), the outbox id in a header for consumers to dedupe on. Idempotent producer,
 * acks from all in-sync replicas.
 */
export class KafkaPublisher implements EventPublisher {
  private connected?: Promise<void>;

  constructor(private readonly producer: Pick<Producer, 'connect' | 'disconnect' | 'sendBatch'>) {}

  static create(brokers: readonly string[], region: string | undefined): KafkaPublisher {
    const kafka = new Kafka({ ...kafkaConfig(brokers, region), logLevel: 1 });
    return new KafkaPublisher(kafka.producer({ idempotent: true, maxInFlightRequests: 1 }));
  }

  async publish(events: readonly OutboxEvent[]): Promise<void> {
    this.connected ??= this.producer.connect().catch((err: unknown) => {
      this.connected = undefined;
      throw err;
    });
    await this.connected;
    const byTopic = new Map<string, OutboxEvent[]>();
    for (const event of events) byTopic.set(event.topic, [...(byTopic.get(event.topic) ?? []), event]);
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic,
        messages: list.map((e) => ({ key: e.key, value: JSON.stringify(e.payload), headers: { 'outbox-id': e.id } })),
      })),
    });
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }
}
