/**
 * The receiver hands a burst of the events thread's messages to Bolt a time slice per turn of the event
 * loop (work-slices.ts), in order, so that sockets and timers are served between slices; a message that
 * finds nothing waiting is handed over at once.
 */
import { describe, expect, it } from 'vitest';
import { WorkSlices } from '../../../src/adapters/slack/work-slices.js';

/** A clock each piece of work advances, and turns of the event loop run by hand. */
function world(sliceMs: number) {
  let now = 0;
  const turns: Array<() => void> = [];
  const slices = new WorkSlices({ sliceMs, now: () => now, defer: (turn) => turns.push(turn) });
  const ran: number[] = [];
  const work = (id: number, costMs: number) => () => {
    ran.push(id);
    now += costMs;
  };
  const nextTurn = () => {
    const turn = turns.shift();
    if (!turn) throw new Error('no turn is scheduled');
    turn();
  };
  return { slices, ran, work, turns, nextTurn };
}

describe('WorkSlices', () => {
  it('GIVEN pieces of work arriving one at a time THEN each runs at once, and one turn closes the slice', () => {
    const { slices, ran, work, turns, nextTurn } = world(10);
    slices.add(work(1, 1));
    expect(ran).toEqual([1]);
    slices.add(work(2, 1));
    expect(ran).toEqual([1, 2]);
    expect(turns).toHaveLength(1);
    nextTurn();
    expect(turns).toHaveLength(0);
    slices.add(work(3, 1));
    expect(ran).toEqual([1, 2, 3]);
  });

  it('GIVEN a burst of work THEN it runs in order: the first slice at once, then one slice per turn', () => {
    const { slices, ran, work, turns, nextTurn } = world(10);
    for (let id = 1; id <= 10; id++) slices.add(work(id, 3));
    expect(ran).toEqual([1, 2, 3, 4]);
    expect(turns).toHaveLength(1);
    nextTurn();
    expect(ran).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Added while earlier work waits: it waits too, behind it.
    slices.add(work(11, 30));
    expect(ran).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    nextTurn();
    expect(ran).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    nextTurn();
    expect(turns).toHaveLength(0);
  });

  it('GIVEN work longer than a slice THEN the next piece waits for the next turn', () => {
    const { slices, ran, work, nextTurn, turns } = world(10);
    slices.add(work(1, 50));
    slices.add(work(2, 1));
    expect(ran).toEqual([1]);
    nextTurn();
    expect(ran).toEqual([1, 2]);
    nextTurn();
    expect(turns).toHaveLength(0);
  });

  it('GIVEN a piece of work that throws THEN the rest still runs on the next turn', () => {
    const { slices, ran, work, nextTurn } = world(10);
    expect(() =>
      slices.add(() => {
        throw new Error('a listener bug');
      }),
    ).toThrow('a listener bug');
    slices.add(work(2, 1));
    expect(ran).toEqual([2]);
    nextTurn();
    slices.add(work(3, 50));
    slices.add(work(4, 1));
    expect(ran).toEqual([2, 3]);
    nextTurn();
    expect(ran).toEqual([2, 3, 4]);
  });
});
