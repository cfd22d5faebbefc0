import { Injectable } from '@nestjs/common';

export type MessageEvent =
  | { type: 'pushed'; queue: string; count: number }
  | { type: 'delivered'; queue: string; count: number; via: 'handler' | 'receive' }
  | { type: 'completed'; queue: string }
  | { type: 'failed'; queue: string; retry: boolean }
  | { type: 'dead_lettered'; queue: string; target: string }
  | { type: 'returned'; queue: string }
  | { type: 'purged'; queue: string; count: number }
  | { type: 'redriven'; queue: string; source: string; count: number }
  | { type: 'handler_finished'; queue: string; seconds: number; outcome: 'complete' | 'error' | 'timeout' };

type Listener = (event: MessageEvent) => void;

/** What happens to messages, for observers such as metrics. Listeners must be cheap and must not throw. */
@Injectable()
export class MessageEvents {
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: MessageEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // an observer's failure never affects message handling
      }
    }
  }
}
