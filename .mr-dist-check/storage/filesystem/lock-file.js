"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.DataDirectoryLockedError = exports.LOCK_FILE = void 0;
exports.acquireDataDirLock = acquireDataDirLock;
const fs = __importStar(require("node:fs"));
const path = __importStar(require("node:path"));
exports.LOCK_FILE = 'mailroom.lock';
const held = new Set();
class DataDirectoryLockedError extends Error {
    dataDir;
    pid;
    constructor(dataDir, pid) {
        super(`Data directory ${dataDir} is in use by another Mailroom process (pid ${pid}; lock file ${path.join(dataDir, exports.LOCK_FILE)}). ` +
            'Only one process may use a data directory: stop the other process or set a different DATA_DIR.');
        this.dataDir = dataDir;
        this.pid = pid;
        this.name = 'DataDirectoryLockedError';
    }
}
exports.DataDirectoryLockedError = DataDirectoryLockedError;
function alive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (error) {
        return error.code === 'EPERM';
    }
}
function readPid(file) {
    try {
        const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
        return Number.isInteger(pid) && pid > 0 ? pid : null;
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return null;
        throw error;
    }
}
function acquireDataDirLock(dataDir) {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, exports.LOCK_FILE);
    for (let attempt = 0; attempt < 5; attempt++) {
        try {
            const fd = fs.openSync(file, 'wx', 0o644);
            try {
                fs.writeSync(fd, `${process.pid}\n`);
                fs.fsyncSync(fd);
            }
            finally {
                fs.closeSync(fd);
            }
            held.add(file);
            let released = false;
            return () => {
                if (released)
                    return;
                released = true;
                held.delete(file);
                if (readPid(file) === process.pid)
                    fs.rmSync(file, { force: true });
            };
        }
        catch (error) {
            if (error.code !== 'EEXIST')
                throw error;
        }
        const pid = readPid(file);
        if (pid === null) {
            if (attempt < 2)
                continue;
        }
        else if (pid === process.pid ? held.has(file) : alive(pid)) {
            throw new DataDirectoryLockedError(dataDir, pid);
        }
        const stale = `${file}.stale-${process.pid}`;
        try {
            fs.renameSync(file, stale);
        }
        catch (error) {
            if (error.code !== 'ENOENT')
                throw error;
            continue;
        }
        const moved = readPid(stale);
        if (moved !== pid && moved !== null) {
            try {
                fs.linkSync(stale, file);
            }
            finally {
                fs.rmSync(stale, { force: true });
            }
            throw new DataDirectoryLockedError(dataDir, moved);
        }
        fs.rmSync(stale, { force: true });
    }
    throw new Error(`Could not take the lock file ${file}`);
}
//# sourceMappingURL=lock-file.js.map