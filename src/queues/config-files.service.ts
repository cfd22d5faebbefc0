import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InjectConfig } from '@app/config/config.tokens';
import { ConfigError, type AppConfig } from '@app/config/app.config';
import type { QueueDefinition } from '@app/domain/queue';
import { normalizeQueueDefinition } from '@app/queues/queue-definition';
import { NAME_PATTERN } from '@app/queues/queue.schemas';
import { assertNotReserved } from '@app/common/reserved-names';
import { filesIn, FolderWatcher } from '@app/common/folder-watcher';

export interface FileQueue {
  definition: QueueDefinition;
  /** absolute path of <name>.queue.js, when present */
  handlerPath: string | null;
  /** changes whenever the handler file changes (mtime) */
  handlerVersion: number;
}

export interface FileTopic {
  name: string;
  queues: string[];
}

export interface ConfigSnapshot {
  queues: Map<string, FileQueue>;
  topics: Map<string, FileTopic>;
}

type Listener = (snapshot: ConfigSnapshot) => void;

/**
 * Queue and topic definitions from CONFIG_DIR (`queues/<name>.queue.json` + optional
 * `<name>.queue.js`, `topics/<name>.topic.json`), reloaded when files change. A file that
 * fails validation is skipped with an error log; the others keep working.
 */
@Injectable()
export class ConfigFilesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ConfigFiles');
  private snapshot: ConfigSnapshot = { queues: new Map(), topics: new Map() };
  private readonly listeners = new Set<Listener>();
  private readonly watcher: FolderWatcher;

  constructor(@InjectConfig() private readonly config: AppConfig) {
    const folders = [
      { dir: this.queuesDir, suffixes: ['.queue.json', '.queue.js'] },
      { dir: this.topicsDir, suffixes: ['.topic.json'] },
    ];
    this.watcher = new FolderWatcher(folders, () => this.reload(), this.logger);
  }

  /** A queue file whose engine STORAGE_ENGINES refuses stops the start (ConfigError naming the file). */
  onModuleInit(): void {
    this.reload(true);
    this.watcher.start();
  }

  onModuleDestroy(): void {
    this.watcher.stop();
  }

  current(): ConfigSnapshot {
    return this.snapshot;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads the files now; listeners are told only when something changed. */
  reload(atStart = false): void {
    if (!this.watcher.changed()) return;
    this.snapshot = { queues: this.readQueues(atStart), topics: this.readTopics() };
    for (const listener of this.listeners) listener(this.snapshot);
  }

  private get queuesDir(): string {
    return path.join(this.config.configDir, 'queues');
  }

  private get topicsDir(): string {
    return path.join(this.config.configDir, 'topics');
  }

  private readQueues(atStart: boolean): Map<string, FileQueue> {
    const queues = new Map<string, FileQueue>();
    for (const file of filesIn(this.queuesDir, '.queue.json')) {
      const full = path.join(this.queuesDir, file);
      const name = file.slice(0, -'.queue.json'.length);
      try {
        const raw = JSON.parse(fs.readFileSync(full, 'utf8')) as Record<string, unknown>;
        if (raw.name !== undefined && raw.name !== name) {
          throw new Error(`"name" is ${JSON.stringify(raw.name)} but the file is named ${file}`);
        }
        const stat = fs.statSync(full);
        const definition = normalizeQueueDefinition({ ...raw, name }, Math.floor(stat.mtimeMs), Math.floor(stat.ctimeMs), this.config.defaultStorageEngine);
        if (!this.config.storageEngines.includes(definition.storageEngine)) {
          const refused = new ConfigError(
            'STORAGE_ENGINES',
            `${full} uses storageEngine "${definition.storageEngine}", which is not allowed (allowed: ${this.config.storageEngines.join(', ')})`,
          );
          if (atStart) throw refused;
          throw new Error(refused.message);
        }
        const handlerPath = path.join(this.queuesDir, `${name}.queue.js`);
        const handlerStat = fs.existsSync(handlerPath) ? fs.statSync(handlerPath) : null;
        queues.set(name, {
          definition: { ...definition, updatedAt: Math.max(definition.updatedAt, handlerStat ? Math.floor(handlerStat.mtimeMs) : 0) },
          handlerPath: handlerStat ? handlerPath : null,
          handlerVersion: handlerStat ? handlerStat.mtimeMs : 0,
        });
      } catch (error) {
        if (error instanceof ConfigError) throw error;
        this.logger.error({ file: full, err: error as Error }, 'config file skipped');
      }
    }
    return queues;
  }

  private readTopics(): Map<string, FileTopic> {
    const topics = new Map<string, FileTopic>();
    const namePattern = new RegExp(NAME_PATTERN);
    for (const file of filesIn(this.topicsDir, '.topic.json')) {
      const full = path.join(this.topicsDir, file);
      const name = file.slice(0, -'.topic.json'.length);
      try {
        const raw = JSON.parse(fs.readFileSync(full, 'utf8')) as { name?: unknown; queues?: unknown };
        if (!namePattern.test(name)) throw new Error('invalid topic name');
        assertNotReserved(name, 'topic');
        if (raw.name !== undefined && raw.name !== name) throw new Error(`"name" does not match the file name`);
        const queues = raw.queues ?? [];
        if (!Array.isArray(queues) || !queues.every((q) => typeof q === 'string' && namePattern.test(q))) {
          throw new Error('"queues" must be an array of queue names');
        }
        topics.set(name, { name, queues: [...new Set(queues as string[])] });
      } catch (error) {
        this.logger.error({ file: full, err: error as Error }, 'config file skipped');
      }
    }
    return topics;
  }
}
