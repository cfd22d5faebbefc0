/** Every file under DATA_DIR is readable by the Mailroom user only (journals hold messages, the catalog connection strings). */
export const PRIVATE_FILE = 0o600;
export const PRIVATE_DIR = 0o700;
