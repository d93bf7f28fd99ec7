import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeKeychainError } from '../../../src/store/keychainErrors.js';

// Messages measured from @napi-rs/keyring on the Secret Service (docs/measured-facts.md).
test('platform messages become one actionable line', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      'Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead',
      'keychain-unavailable',
      /cannot reach the D-Bus session bus/,
    ],
    [
      'zbus error: Failed to connect to address `unix:path=/run/user/0/bus`: No such file or directory (os error 2)',
      'keychain-unavailable',
      /cannot reach the D-Bus session bus/,
    ],
    ['Platform failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files', 'keychain-unavailable', /no Secret Service/],
    ["Couldn't access platform storage: Secret Service: unlock prompt was dismissed", 'keychain-locked', /locked/],
    ['zbus error: org.freedesktop.Secret.Error.IsLocked: Cannot get secret of a locked object', 'keychain-locked', /locked/],
    [
      'Platform failure: DBus error: Did not receive a reply. Possible causes include: the remote application did not send a reply, the message bus security policy blocked the reply, the reply timeout expired, or the network connection was broken.',
      'keychain-timeout',
      /did not answer \(read\)/,
    ],
    ['something new\nsecond line', 'keychain-failure', /^keychain read failed: something new$/],
  ];
  for (const [message, code, text] of cases) {
    const error = describeKeychainError(new Error(message), 'read');
    assert.equal(error.code, code, message);
    assert.match(error.message, text);
    assert.ok(!error.message.includes('\n'));
  }
});
