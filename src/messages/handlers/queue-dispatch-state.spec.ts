import { IllegalQueueTransition, QUEUE_TRANSITIONS, QueueDispatchState, type QueueEvent, type QueuePhase } from '@app/messages/handlers/queue-dispatch-state';

const PHASES: QueuePhase[] = ['idle', 'claiming', 'claiming-again', 'storage-down', 'retiring', 'draining', 'removed'];
const EVENTS: QueueEvent[] = ['wake', 'next-round', 'loop-ended', 'claim-failed', 'retire', 'reinstate', 'drained'];

/** A state in `phase`, reached through legal transitions only. */
function inPhase(phase: QueuePhase): QueueDispatchState {
  const paths: Record<QueuePhase, QueueEvent[]> = {
    idle: [],
    claiming: ['wake'],
    'claiming-again': ['wake', 'wake'],
    'storage-down': ['wake', 'claim-failed'],
    retiring: ['wake', 'retire'],
    draining: ['retire'],
    removed: ['retire', 'drained'],
  };
  const state = new QueueDispatchState('q');
  for (const event of paths[phase]) state.fire(event);
  expect(state.phase).toBe(phase);
  return state;
}

describe('QueueDispatchState', () => {
  const legal = PHASES.flatMap((from) =>
    EVENTS.filter((event) => QUEUE_TRANSITIONS[from][event]).map((event) => [from, event, QUEUE_TRANSITIONS[from][event]!] as const),
  );
  const illegal = PHASES.flatMap((from) => EVENTS.filter((event) => !QUEUE_TRANSITIONS[from][event]).map((event) => [from, event] as const));

  it('has exactly these transitions', () => {
    expect(legal.map(([from, event, to]) => `${from} --${event}--> ${to}`)).toEqual([
      'idle --wake--> claiming',
      'idle --retire--> draining',
      'claiming --wake--> claiming-again',
      'claiming --loop-ended--> idle',
      'claiming --claim-failed--> storage-down',
      'claiming --retire--> retiring',
      'claiming-again --wake--> claiming-again',
      'claiming-again --next-round--> claiming',
      'claiming-again --loop-ended--> idle',
      'claiming-again --claim-failed--> storage-down',
      'claiming-again --retire--> retiring',
      'storage-down --wake--> claiming',
      'storage-down --retire--> draining',
      'retiring --wake--> retiring',
      'retiring --loop-ended--> draining',
      'retiring --claim-failed--> draining',
      'retiring --retire--> retiring',
      'retiring --reinstate--> claiming-again',
      'draining --wake--> draining',
      'draining --retire--> draining',
      'draining --reinstate--> idle',
      'draining --drained--> removed',
    ]);
  });

  it.each(legal)('%s --%s--> %s', (from, event, to) => {
    const state = inPhase(from);
    expect(state.fire(event)).toBe(to);
    expect(state.phase).toBe(to);
  });

  it.each(illegal)('refuses %s --%s and stays where it was', (from, event) => {
    const state = inPhase(from);
    expect(() => state.fire(event)).toThrow(IllegalQueueTransition);
    expect(() => state.fire(event)).toThrow(`queue q: no transition from ${from} on ${event}`);
    expect(state.phase).toBe(from);
  });

  it('a wake starts a claim loop only from idle or storage-down', () => {
    expect(PHASES.filter((phase) => phase !== 'removed').map((phase) => [phase, inPhase(phase).wake()])).toEqual([
      ['idle', true],
      ['claiming', false],
      ['claiming-again', false],
      ['storage-down', true],
      ['retiring', false],
      ['draining', false],
    ]);
  });

  it('the claim loop goes on for one more round only when woken meanwhile', () => {
    const state = inPhase('claiming');
    expect(state.continueLoop()).toBe(false);
    expect(state.phase).toBe('claiming');
    state.wake();
    state.wake();
    expect(state.continueLoop()).toBe(true);
    expect(state.phase).toBe('claiming');
    expect(state.continueLoop()).toBe(false);
  });

  it('counts as claiming while the loop runs, retiring included, and as quiet with nothing running or settling', () => {
    expect(PHASES.filter((phase) => inPhase(phase).claiming)).toEqual(['claiming', 'claiming-again', 'retiring']);
    const state = inPhase('draining');
    state.active = 1;
    expect(state.quiet).toBe(false);
    state.active = 0;
    state.settling = 1;
    expect(state.quiet).toBe(false);
    state.settling = 0;
    expect(state.quiet).toBe(true);
  });
});
