/**
 * Seed: aio-fluid workers reference — `AsyncConsumer` with a dispatcher, `Workers.register_callback`
 * and `on_shutdown`, in TypeScript: a group of two runners consumes a subscription, dispatching
 * each event to the callbacks registered for its CloudEvent type, while a periodic callback of
 * the group publishes the events; the group's onShutdown hook reports once everything stopped.
 *
 *   npx tsx examples/async-consumer.ts
 */
import { ApiClient, AsyncConsumer, AsyncDispatcher, createRunner, Runners, type PubsubEvent } from "@virtufin/sdk";
import { apiEndpoint, run } from "./support.js";

run(async () => {
  await using api = new ApiClient(apiEndpoint());
  const topic = "async-consumer-demo";

  // Callbacks by type: several per type, and one that fails without stopping the others.
  const dispatcher = new AsyncDispatcher<PubsubEvent>((event) => event.type ?? "");
  let total = 0;
  dispatcher.register("tick", (event) => void (total += event.dataAsJson<{ n: number }>().n), "sum");
  dispatcher.register("tick", (event) => console.log(`Tick ${event.dataAsJson<{ n: number }>().n}`), "print");
  dispatcher.register(
    "tick",
    (event) => {
      if (event.dataAsJson<{ n: number }>().n === 2) throw new Error("this callback does not like 2");
    },
    "picky",
  );
  const consumer = new AsyncConsumer(dispatcher, {
    capacity: 100,
    onCallbackError: (error) => console.log(`Callback failed: ${error.message}`),
  });

  let markLive!: () => void;
  const live = new Promise<void>((resolve) => (markLive = resolve));
  const subscriber = createRunner(
    async (signal) => {
      const events = await api.pubsub.subscribeReady(topic, { signal });
      markLive();
      for await (const event of events) await consumer.send(event);
    },
    { name: "subscriber" },
  );

  const group = new Runners({
    runners: [consumer, subscriber],
    onShutdown: () =>
      console.log(
        `Group stopped: sum ${total}, queue ${consumer.status().queueSize}, callback errors ${consumer.status().callbackErrors}`,
      ),
  });
  // Registered before start-up: the first run waits for it. Every 0.05 s (± 0.02 s), a tick.
  let n = 0;
  group.registerCallback(
    async () => {
      await live;
      if (n < 3) await api.pubsub.publish(topic, { n: ++n }, { type: "tick" });
    },
    0.05,
    { jitter: 0.02, periodic: true },
  );

  await group.startup();
  for (let waited = 0; total < 6; waited += 20) {
    if (waited > 10_000) throw new Error(`only ${total} of 6 received in 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await group.shutdown();
});
