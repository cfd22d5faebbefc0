'use strict';
/*
 * Worker-thread entry of the handler pool (plain CommonJS so that it loads unchanged from
 * src/ under jest and from dist/ in production; piscina runs one per worker thread).
 *
 * A task is one message: the handler module is loaded (cached by path + version, so a changed
 * file is used for the next message and no worker keeps a stale module), called as
 * handler.call(services, request, context), and its outcome is returned as plain data.
 * Services that need the main thread travel over a MessagePort this worker hands to the pool
 * at start-up (see handler-pool.ts); environment variables and secrets come with workerData.
 */
const { parentPort, workerData, threadId, MessageChannel } = require('node:worker_threads');
const util = require('node:util');

const env = Object.freeze({ ...(workerData && workerData.env) });
const secrets = Object.freeze({ ...(workerData && workerData.secrets) });
const threadSlots = workerData && workerData.threadSlots ? new Int32Array(workerData.threadSlots) : null;
const startSlots = workerData && workerData.startSlots ? new Float64Array(workerData.startSlots) : null;

const channel = new MessageChannel();
const port = channel.port1;
parentPort.postMessage({ mailroomRpcPort: channel.port2, threadId }, [channel.port2]);
port.unref();

let nextCallId = 0;
const pending = new Map();

port.on('message', (reply) => {
  const call = pending.get(reply.id);
  if (!call) return;
  pending.delete(reply.id);
  if (reply.ok) call.resolve(reply.value);
  else call.reject(toError(reply.error));
});

function toError(info) {
  const error = new Error(info && info.message ? info.message : 'service call failed');
  error.name = (info && info.name) || 'Error';
  for (const key of ['code', 'details', 'errors']) if (info && info[key] !== undefined) error[key] = info[key];
  return error;
}

function rpc(context, run, method, args) {
  return new Promise((resolve, reject) => {
    const id = ++nextCallId;
    pending.set(id, { resolve, reject });
    try {
      port.postMessage({ id, run, messageId: context.id, queue: context.queue, method, args });
    } catch (error) {
      pending.delete(id);
      reject(new TypeError(`${method}: arguments must be plain data (${error.message})`));
    }
  });
}

function plain(value) {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(value));
  } catch {
    return util.inspect(value, { depth: 4 });
  }
}

function makeLogger(context) {
  const write = (level) => (message, fields) => {
    const text = typeof message === 'string' ? message : util.inspect(message, { depth: 4, breakLength: Infinity });
    port.postMessage({ log: level, queue: context.queue, messageId: context.id, attempt: context.attempt, message: text, fields: plain(fields) });
  };
  return { info: write('info'), log: write('info'), warn: write('warn'), error: write('error'), debug: write('debug') };
}

function makeServices(context, run) {
  const call =
    (method) =>
    (...args) =>
      rpc(context, run, method, args);
  return {
    messagingService: {
      queueMessage: call('messaging.queueMessage'),
      getMessage: call('messaging.getMessage'),
      deleteMessage: call('messaging.deleteMessage'),
      publish: call('messaging.publish'),
    },
    environmentService: {
      getEnvironmentVariable: (name) => (Object.prototype.hasOwnProperty.call(env, name) ? env[name] : undefined),
      listEnvironmentVariables: () => ({ ...env }),
      getSecret: (name) => (Object.prototype.hasOwnProperty.call(secrets, name) ? secrets[name] : undefined),
      listSecrets: () => Object.keys(secrets),
    },
    storageService: {
      get: call('storage.get'),
      set: call('storage.set'),
      delete: call('storage.delete'),
      list: call('storage.list'),
    },
    authClientProvider: { getAccessToken: call('auth.getAccessToken') },
    integrationService: {
      call: call('integration.call'),
      list: call('integration.list'),
    },
    serviceProvider: {
      get: (name) => {
        if (typeof name !== 'string' || name === '') throw new TypeError('serviceProvider.get: the service name must be a non-empty string');
        return Object.freeze({ name, request: (request) => rpc(context, run, 'services.request', [name, request]) });
      },
      list: call('services.list'),
    },
    rulesetService: { evaluate: call('ruleset.evaluate') },
    idmService: {
      getSender: call('idm.getSender'),
      getGrants: call('idm.getGrants'),
      getUserInfo: call('idm.getUserInfo'),
    },
    logger: makeLogger(context),
  };
}

const handlers = new Map();

function loadHandler(path, version) {
  const cached = handlers.get(path);
  if (cached && cached.version === version) return cached.fn;
  handlers.delete(path);
  try {
    delete require.cache[require.resolve(path)];
  } catch {
    // not loaded before, or gone: require below reports it
  }
  const loaded = require(path);
  const fn =
    typeof loaded === 'function'
      ? loaded
      : loaded && typeof loaded.default === 'function'
        ? loaded.default
        : loaded && typeof loaded.handler === 'function'
          ? loaded.handler
          : null;
  if (!fn) throw new TypeError('the file does not export a function');
  handlers.set(path, { version, fn });
  return fn;
}

/** The main thread cuts an error to HANDLER_ERROR_MAX_BYTES (after redacting secrets); this only keeps megabytes off the wire. */
const MAX_ERROR_CHARS = 65536;
const MAX_ERROR_NAME_CHARS = 200;

function bounded(text, max) {
  return text.length > max ? text.slice(0, max) : text;
}

function errorInfo(error) {
  try {
    if (error instanceof Error || (error && typeof error === 'object' && 'message' in error)) {
      const name = typeof error.name === 'string' && error.name ? error.name : 'Error';
      return { name: bounded(name, MAX_ERROR_NAME_CHARS), message: bounded(String(error.message), MAX_ERROR_CHARS) };
    }
    let message;
    try {
      message = typeof error === 'string' ? error : JSON.stringify(error === undefined ? null : error);
    } catch {
      message = String(error);
    }
    return { name: 'Error', message: bounded(String(message), MAX_ERROR_CHARS) };
  } catch {
    return { name: 'Error', message: 'the handler threw a value that cannot be described' };
  }
}

const ABSOLUTE_PATH = /(?:[A-Za-z]:)?[\\/](?:[^\s'"`:()\\/]+[\\/])+([^\s'"`:()\\/]+)/g;

/** Why a handler file could not be loaded, without the server's paths (the reason is stored in the message). */
function loadErrorMessage(queue, error) {
  const reason =
    error && error.code === 'MODULE_NOT_FOUND' && /^Cannot find module '([^']+)'/.test(error.message)
      ? `cannot find module "${/^Cannot find module '([^']+)'/.exec(error.message)[1]}" (install the handler's packages in HANDLER_MODULES_DIR)`
      : errorInfo(error).message.split('\nRequire stack:')[0];
  return `cannot load the handler of ${queue}: ${reason.replace(ABSOLUTE_PATH, '$1')}`;
}

/**
 * @param {{handlerPath: string, handlerVersion: number, id: string, queue: string, attempt: number,
 *   request: unknown, timeoutMs: number, maxResultBytes: number, run: number, slot: number}} task
 * @returns {Promise<{ok: true, json: string | null} | {ok: false, error: {name: string, message: string}}>}
 */
module.exports = async function runHandler(task) {
  // tells the pool which thread runs this task, so a handler blocking it can be stopped
  if (threadSlots && task.slot >= 0) {
    startSlots[task.slot] = Date.now();
    Atomics.store(threadSlots, task.slot, threadId);
  }
  let handler;
  try {
    handler = loadHandler(task.handlerPath, task.handlerVersion);
  } catch (error) {
    return { ok: false, error: { name: 'HandlerLoadError', message: loadErrorMessage(task.queue, error) } };
  }
  const controller = new AbortController();
  const context = { id: task.id, queue: task.queue, attempt: task.attempt, signal: controller.signal };
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`the handler did not finish within ${task.timeoutMs / 1000} seconds`);
      error.name = 'HandlerTimeout';
      controller.abort(error);
      reject(error);
    }, task.timeoutMs);
  });
  try {
    const value = await Promise.race([Promise.resolve().then(() => handler.call(makeServices(context, task.run), task.request, context)), timeout]);
    const json = value === undefined ? null : JSON.stringify(value);
    if (json !== null && json !== undefined && Buffer.byteLength(json) > task.maxResultBytes) {
      return { ok: false, error: { name: 'ResultTooLarge', message: `the handler's result is larger than ${task.maxResultBytes} bytes` } };
    }
    return { ok: true, json: json === undefined ? null : json };
  } catch (error) {
    return { ok: false, error: errorInfo(error) };
  } finally {
    clearTimeout(timer);
  }
};
