// Turns the keyring library's platform messages into one line that says what is missing and how to
// fix it. The patterns are the messages measured on the Secret Service (zbus/dbus-secret-service)
// and the documented macOS/Windows ones; anything else keeps the library's first line.
import { HelperError } from '../errors.js';

const RULES: Array<{ test: RegExp; error: (operation: string) => HelperError }> = [
  {
    test: /DBUS_SESSION_BUS_ADDRESS|Failed to connect to (address|socket)|autolaunch/i,
    error: () =>
      new HelperError(
        'keychain-unavailable',
        'cannot reach the D-Bus session bus, so no Secret Service keychain: run in a desktop session or start one (dbus-run-session, then gnome-keyring-daemon --unlock)',
      ),
  },
  {
    test: /org\.freedesktop\.secrets was not provided|ServiceUnknown|NameHasNoOwner/i,
    error: () =>
      new HelperError(
        'keychain-unavailable',
        'no Secret Service on the D-Bus session bus: install and start a keychain (gnome-keyring, or KeePassXC with Secret Service integration)',
      ),
  },
  {
    // The Secret Service owns its name but does not answer (hung daemon): libdbus gives up after ~2 s.
    test: /Did not receive a reply|NoReply|Timeout was reached/i,
    error: (operation) =>
      new HelperError(
        'keychain-timeout',
        `the keychain (Secret Service) did not answer (${operation}): restart it (e.g. gnome-keyring-daemon --replace) and try again`,
      ),
  },
  {
    test: /prompt was dismissed|IsLocked|is locked|interaction is not allowed|-25308/i,
    error: () =>
      new HelperError(
        'keychain-locked',
        'the keychain is locked and cannot be unlocked from here: unlock it (log in to the desktop, or gnome-keyring-daemon --unlock) and try again',
      ),
  },
];

export function describeKeychainError(error: unknown, operation: string): HelperError {
  const message = error instanceof Error ? error.message : String(error);
  for (const rule of RULES) {
    if (rule.test.test(message)) return rule.error(operation);
  }
  const firstLine = message.split('\n')[0] || 'unknown error';
  return new HelperError('keychain-failure', `keychain ${operation} failed: ${firstLine}`, { cause: error });
}
