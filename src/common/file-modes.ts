/** Every file Mailroom writes (under DATA_DIR: journals hold messages, the catalog connection strings; the dev secret) is readable by the Mailroom user only. */
export const PRIVATE_FILE = 0o600;
export const PRIVATE_DIR = 0o700;
