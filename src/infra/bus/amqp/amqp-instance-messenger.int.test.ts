// Runs the InstanceMessenger contract on the real RabbitMQ, each test on its
// own direct exchange (and so its own `<exchange>.<instance>` queue names).
import { afterAll, beforeAll, describe } from 'vitest';
import { describeInstanceMessengerContract } from '../instance-messenger.contract.js';
import { AmqpInstanceMessenger } from './amqp-instance-messenger.js';
import { BrokerAdmin, TEST_AMQP_URL, rabbitMqAvailable, uniqueName } from './rabbitmq.fixtures.js';

const available = await rabbitMqAvailable();

describe.skipIf(!available)('AmqpInstanceMessenger on RabbitMQ', () => {
  let admin: BrokerAdmin;
  beforeAll(async () => {
    admin = await BrokerAdmin.open();
  });
  afterAll(async () => {
    await admin.close();
  });

  describeInstanceMessengerContract('amqp', {
    async network() {
      const exchange = uniqueName('instances');
      return {
        open: (instanceId) => AmqpInstanceMessenger.open({ url: TEST_AMQP_URL, instanceId, exchange }),
        cleanUp: () => admin.deleteExchange(exchange),
      };
    },
  });
});
