/**
 * The receiver hands a burst of the events thread's messages to Bolt a time slice per turn of the event
 * loop (work-slices.ts), in order, so that sockets and timers are served between slices.
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
  it('GIVEN a burst of work THEN it runs in order, one slice per turn, each slice running at least one piece', () => {
    const { slices, ran, work, turns, nextTurn } = world(10);
    for (let id = 1; id <= 10; id++) slices.add(work(id, 3));
    expect(ran).toEqual([]);
    expect(turns).toHaveLength(1);
    nextTurn();
    expect(ran).toEqual([1, 2, 3, 4]);
    nextTurn();
    expect(ran).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    slices.add(work(11, 30));
    nextTurn();
    expect(ran).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(turns).toHaveLength(0);
  });

  it('GIVEN work longer than a slice THEN the next piece waits for the next turn', () => {
    const { slices, ran, work, nextTurn, turns } = world(10);
    slices.add(work(1, 50));
    slices.add(work(2, 1));
    nextTurn();
    expect(ran).toEqual([1]);
    nextTurn();
    expect(ran).toEqual([1, 2]);
    expect(turns).toHaveLength(0);
  });

  it('GIVEN a piece of work that throws THEN the rest still runs on the next turn', () => {
    const { slices, ran, work, nextTurn } = world(10);
    slices.add(() => {
      throw new Error('a listener bug');
    });
    slices.add(work(2, 1));
    expect(() => nextTurn()).toThrow('a listener bug');
    nextTurn();
    expect(ran).toEqual([2]);
  });
});
