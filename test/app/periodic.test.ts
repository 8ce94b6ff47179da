import { PeriodicTask } from '../../app/src/periodic';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('runs one at a time: a run that outlasts the interval makes ticks skip, and stop waits for it', async () => {
  let running = 0;
  let most = 0;
  let finished = 0;
  const task = new PeriodicTask(async () => {
    running++;
    most = Math.max(most, running);
    await pause(60);
    running--;
    finished++;
  }, 5);

  task.start();
  await pause(100);
  await task.stop();
  const afterStop = finished;
  await pause(40);

  expect(most).toBe(1);
  expect(finished).toBeGreaterThan(0);
  expect(running).toBe(0);
  expect(finished).toBe(afterStop);
});

test('does not run while inactive', async () => {
  let runs = 0;
  const task = new PeriodicTask(
    async () => {
      runs++;
    },
    5,
    () => false,
  );

  task.start();
  await pause(40);
  await task.stop();

  expect(runs).toBe(0);
});
